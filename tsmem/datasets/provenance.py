"""Where every dataset comes from and what to cite for it.

``_UPSTREAM`` maps each benchmark file (its path in the data directory) to its
upstream repository, path and commit; the registry copies it into
:attr:`DatasetInfo.source`, and the missing-file error quotes it so the user can
fetch the file themselves. ``_DOWNLOADS`` pins each file's raw URL (repository,
commit, path) and sha256 for :mod:`tsmem.datasets.download`; ``_NOT_DOWNLOADABLE``
says why a file has none. The citations below are those of the benchmark papers.
"""

from __future__ import annotations

from typing import NamedTuple

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


class _Remote(NamedTuple):
    """Where one benchmark file can be downloaded: a file of a GitHub repository at a commit.

    ``sha256`` and ``size`` are those of the bytes the URL serves, which tsmem
    saves unchanged as ``saved_as`` (the registered name or its other compression).
    """

    repo: str
    commit: str
    path: str
    saved_as: str
    sha256: str
    size: int


_ETDATASET = "zhouhaoyi/ETDataset", "1d16c8f4f943005d613b5bc962e9eeb06058cf07"
_M4_METHODS = "Mcompetitions/M4-methods", "6c1067e5a57161249b17289a565178dc7a3fb3ca"

# Every benchmark file with a pinned upstream URL (registered path -> _Remote). The
# checksums are those of the benchmark data folder tsmem is measured on: the gzip
# copies there decompress to blobs with the same git ids as the upstream trees, so
# they are the bytes these URLs serve. The ETT and M4 CSVs are served uncompressed.
_DOWNLOADS = {
    "ett/ETTh1.csv.gz": _Remote(
        *_ETDATASET,
        "ETT-small/ETTh1.csv",
        "ett/ETTh1.csv",
        "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066",
        2_589_657,
    ),
    "ett/ETTh2.csv.gz": _Remote(
        *_ETDATASET,
        "ETT-small/ETTh2.csv",
        "ett/ETTh2.csv",
        "a3dc2c597b9218c7ce1cd55eb77b283fd459a1d09d753063f944967dd6b9218b",
        2_417_960,
    ),
    "ett/ETTm1.csv.gz": _Remote(
        *_ETDATASET,
        "ETT-small/ETTm1.csv",
        "ett/ETTm1.csv",
        "6ce1759b1a18e3328421d5d75fadcb316c449fcd7cec32820c8dafda71986c9e",
        10_360_719,
    ),
    "ett/ETTm2.csv.gz": _Remote(
        *_ETDATASET,
        "ETT-small/ETTm2.csv",
        "ett/ETTm2.csv",
        "db973ca252c6410a30d0469b13d696cf919648d0f3fd588c60f03fdbdbadd1fd",
        9_677_236,
    ),
    "m4/Hourly-train.csv.gz": _Remote(
        *_M4_METHODS,
        "Dataset/Train/Hourly-train.csv",
        "m4/Hourly-train.csv",
        "ea59b7783573c49077a835ab6465c7d66f1474783360f310988a9a737fbca62f",
        2_347_115,
    ),
    "m4/Hourly-test.csv.gz": _Remote(
        *_M4_METHODS,
        "Dataset/Test/Hourly-test.csv",
        "m4/Hourly-test.csv",
        "71a57fccb15e534d973626ada4fb87febf789e9317715b7cc6dd3b5f90db6f42",
        132_820,
    ),
    "m4/Weekly-train.csv.gz": _Remote(
        *_M4_METHODS,
        "Dataset/Train/Weekly-train.csv",
        "m4/Weekly-train.csv",
        "d478d3f6ed673e6ed3c2cb0fbed5425f72eedd51318ebebeb0b5ecfcefc37714",
        4_015_067,
    ),
    "m4/Weekly-test.csv.gz": _Remote(
        *_M4_METHODS,
        "Dataset/Test/Weekly-test.csv",
        "m4/Weekly-test.csv",
        "3b2bc4be8e636e802260dcd843ca3c5da40536a1fbe1ecb3229a97dae4f44688",
        44_247,
    ),
    "lstnet/exchange_rate.txt.gz": _Remote(
        "laiguokun/multivariate-time-series-data",
        "7f402f185cc2435b5e66aed13a3b560ed142e023",
        "exchange_rate/exchange_rate.txt.gz",
        "lstnet/exchange_rate.txt.gz",
        "6a4fbb561dcdee43f071a83badbeec9223a335552278348656738b556f1c2e9d",
        177_142,
    ),
    "autoformer/weather.csv.gz": _Remote(
        "ljnvs/HiCR-Mamba",
        "d472c100956ed4373e9ca3700481ce88f8f1e4dd",
        "datasets/weather/weather.csv.gz",
        "autoformer/weather.csv.gz",
        "862e9b447a3933f14b6f2d3d686a35d3adb5a486f97acfa46869be0e4bb682db",
        2_291_187,
    ),
    "autoformer/national_illness.csv": _Remote(
        "junwoopark92/Self-Supervised-Contrastive-Forecsating",
        "f394705adbf5217811276f5e59576c6e7ea7586c",
        "dataset/illness/national_illness.csv",
        "autoformer/national_illness.csv",
        "8594cecb98c6f2f9dc014eca11c4d5d1e38ad5ce6ed0592d4abe65b146fce395",
        66_653,
    ),
}

# Files no public URL serves as they are (registered path -> why, quoted in the errors).
_NOT_DOWNLOADABLE: dict[str, str] = {}

# Files no public URL serves, a copy of which ships inside tsmem (registered path -> its name
# in tsmem._bundled): used when the data directory lacks them. The M4 series table holds
# only facts (start timestamps, lengths, horizons) read off the public series.
_SHIPPED = {"m4/m4_series_info_hourly_weekly.csv": "m4_series_info_hourly_weekly.csv"}

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
