"""The commands: ``senhance-train``, ``senhance-infer``, ``senhance-eval``, ``senhance-export`` and the ``senhance``
umbrella. Each composes its config root (training: ``configs/train.yaml`` with its groups; the others: their
own small root) through the shared front end in :mod:`senhance.cli._command` and calls one library function;
library code never sees a DictConfig."""

#: the package that holds the config roots (configs/ in the repository)
CONFIG_PACKAGE = "senhance.configs"
