"""The sample corpus shipped with akhbar (installed as the package ``akhbar.sample``)."""
