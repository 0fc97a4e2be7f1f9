"""Generator of the metric reference fixtures (entry point: scripts/make_metric_fixtures.py,
whose docstring describes the files and their conventions).

  common.py             versions, NaN / error encoding, the one-case-per-line JSON writer
  classification.py     classification.json (scikit-learn)
  ranking.py            ranking.json (scikit-learn)
  regression.py         regression.json (scipy.stats, math.exp)
  sequence_labeling.py  seqeval.json (seqeval)
  squad.py              squad.json (official SQuAD v2.0 logic, vendored)
  generation.py         generation.json (sacrebleu corpus BLEU, rouge-score ROUGE-1/2/L)
  cli.py                command line and the list of files
"""
