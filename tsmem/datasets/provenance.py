"""Where every dataset comes from and what to cite for it.

``_UPSTREAM`` maps each benchmark file (its path in the data directory) to its
upstream repository, path and commit; the registry copies it into
:attr:`DatasetInfo.source`, and the missing-file error quotes it so the user can
fetch the file themselves. The citations below are those of the benchmark papers.
"""

from __future__ import annotations

# Upstream of every benchmark file (relative path in the data directory -> source),
# quoted in the missing-file error so the user can fetch it themselves.
_UPSTREAM = {
    "ett/ETTh1.csv.gz": "zhouhaoyi/ETDataset, ETT-small/ETTh1.csv "
    "(commit 1d16c8f4f943005d613b5bc962e9eeb06058cf07)",
    "ett/ETTh2.csv.gz": "zhouhaoyi/ETDataset, ETT-small/ETTh2.csv "
    "(commit 1d16c8f4f943005d613b5bc962e9eeb06058cf07)",
    "ett/ETTm1.csv.gz": "zhouhaoyi/ETDataset, ETT-small/ETTm1.csv (identical gzip copy: "
    "ljnvs/HiCR-Mamba, datasets/ETT-small/ETTm1.csv.gz, commit d472c100956ed4373e9ca3700481ce88f8f1e4dd)",
    "ett/ETTm2.csv.gz": "zhouhaoyi/ETDataset, ETT-small/ETTm2.csv (identical gzip copy: "
    "ljnvs/HiCR-Mamba, datasets/ETT-small/ETTm2.csv.gz, commit d472c100956ed4373e9ca3700481ce88f8f1e4dd)",
    "m4/Hourly-train.csv.gz": "Mcompetitions/M4-methods, Dataset/Train/Hourly-train.csv "
    "(commit 6c1067e5a57161249b17289a565178dc7a3fb3ca)",
    "m4/Hourly-test.csv.gz": "Mcompetitions/M4-methods, Dataset/Test/Hourly-test.csv "
    "(commit 6c1067e5a57161249b17289a565178dc7a3fb3ca)",
    "m4/Weekly-train.csv.gz": "Mcompetitions/M4-methods, Dataset/Train/Weekly-train.csv "
    "(commit 6c1067e5a57161249b17289a565178dc7a3fb3ca)",
    "m4/Weekly-test.csv.gz": "Mcompetitions/M4-methods, Dataset/Test/Weekly-test.csv "
    "(commit 6c1067e5a57161249b17289a565178dc7a3fb3ca)",
    "m4/m4_series_info_hourly_weekly.csv": "built for tsmem's benchmark data folder from the "
    "Monash Forecasting Repository's m4_hourly_dataset.tsf / m4_weekly_dataset.tsf (start "
    "timestamps) and the M4 train files (columns M4id,SP,start_timestamp,n_train,horizon,"
    "mase_period); see the benchmark data README, section 2",
    "lstnet/exchange_rate.txt.gz": "laiguokun/multivariate-time-series-data, "
    "exchange_rate/exchange_rate.txt.gz (commit 7f402f185cc2435b5e66aed13a3b560ed142e023)",
    "autoformer/weather.csv.gz": "Autoformer's weather.csv; verbatim gzip copy: ljnvs/HiCR-Mamba, "
    "datasets/weather/weather.csv.gz (commit d472c100956ed4373e9ca3700481ce88f8f1e4dd)",
    "autoformer/national_illness.csv": "Autoformer's national_illness.csv; verbatim copy: "
    "junwoopark92/Self-Supervised-Contrastive-Forecsating, dataset/illness/national_illness.csv "
    "(commit f394705adbf5217811276f5e59576c6e7ea7586c)",
}

_BUNDLED_SOURCE = (
    "jbrownlee/Datasets (commit d20fcb6402ae34e653d4513b00f39257bb37ed7f), "
    "from Hyndman's Time Series Data Library; see datasets/README.md"
)

_INFORMER = (
    "Zhou et al., 'Informer: Beyond Efficient Transformer for Long Sequence Time-Series "
    "Forecasting', AAAI 2021"
)
_AUTOFORMER = (
    "Wu et al., 'Autoformer: Decomposition Transformers with Auto-Correlation for Long-Term "
    "Series Forecasting', NeurIPS 2021"
)
_LSTNET = (
    "Lai et al., 'Modeling Long- and Short-Term Temporal Patterns with Deep Neural Networks', "
    "SIGIR 2018"
)
_M4 = (
    "Makridakis, Spiliotis & Assimakopoulos, 'The M4 Competition: 100,000 time series and "
    "61 forecasting methods', IJF 2020"
)
_TSDL = "Hyndman, R.J., Time Series Data Library (via jbrownlee/Datasets)"
