"""Small datasets bundled with tsmem (installed as ``tsmem._bundled``); see README.md here."""
