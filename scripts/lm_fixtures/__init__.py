"""Generator of the masked-language-model / ELECTRA reference fixtures (entry point:
scripts/make_lm_fixtures.py, whose docstring describes the outputs).

  common.py       seeds, variants, model building (base encoder + fresh head), tying, masking
  mlm.py          the MLM-head and ELECTRA-discriminator fixtures (one directory each)
  pretraining.py  the ELECTRA pretraining loss as Simple Transformers computes it
  verify.py       reload of everything written and an exact re-check of the recorded values
  readme.py       the fixtures/README.md section
"""
