#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for masked-language-model heads and ELECTRA pretraining.

Usage:
    python scripts/make_lm_fixtures.py --out fixtures/lm [--models fixtures/models]

Needs the base fixtures written by scripts/make_fixtures.py (`fixtures/models/<arch>/`).  It
replaces its own section of fixtures/README.md.  Nothing is downloaded; from_pretrained is only
called on local directories.

Writes under --out:

  <arch>/  for bert, roberta, distilbert, albert, electra, xlm-roberta, camembert: an
           `AutoModelForMaskedLM` (BertForMaskedLM, RobertaForMaskedLM, DistilBertForMaskedLM,
           AlbertForMaskedLM, ElectraForMaskedLM = the ELECTRA generator, XLMRobertaForMaskedLM,
           CamembertForMaskedLM) whose encoder is exactly the base fixture's, whose decoder weight
           is tied to the word embeddings (tie_word_embeddings) and whose other head tensors are
           freshly drawn (N(0, 0.2) weights and biases, LayerNorm gamma 1 + N(0, 0.1), seeded);
           save_pretrained (safetensors) + the base tokenizer files + reference.json.
  electra-discriminator/  the same for `ElectraForPreTraining` on the electra base fixture.
  electra-pretraining/reference.json  the ELECTRA loss g_loss + 50 * d_loss as Simple
           Transformers computes it, from the two directories above with tied word embeddings and a
           fixed (argmax) generator sample (see scripts/lm_fixtures/pretraining.py).

reference.json of a model directory (tensors {"shape", "data"} as in scripts/make_fixtures.py):

    {"model_type", "architecture", "base_fixture",
     "head_params": [names of the head's own parameters after tying],
     "named_parameters_outside_base": [named_parameters() names outside the base prefix],
     "tied": {alias: name stored in model.safetensors}, "tied_weights_keys": the class attribute,
     "saved_tensor_names": [keys of model.safetensors], "config": {...}, "head": {...},
     "batch": {"texts", "original_input_ids", "input_ids" (corrupted), "attention_mask",
               "token_type_ids" | null, "masked_positions" + "corruption" (MLM) |
               "replaced_positions" (discriminator), "labels", "logits", "loss"},
     "grads": {"loss_definition", "params": {name: gradient}}}

Everything is deterministic: fixed texts (the base fixtures'), seeded heads and masks, eval mode,
eager attention, float32, single-threaded deterministic torch.  The code is in the package
scripts/lm_fixtures/ (its __init__.py lists the modules).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (sets the offline / single-thread environment variables)

import torch  # noqa: E402
import transformers  # noqa: E402

from lm_fixtures import common, mlm, pretraining, readme, verify  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="output directory (fixtures/lm)")
    parser.add_argument("--models", help="base fixtures directory (default: <out>/../models)")
    args = parser.parse_args()

    out_dir = os.path.abspath(args.out)
    models_dir = os.path.abspath(args.models or os.path.join(out_dir, os.pardir, "models"))
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    os.makedirs(out_dir, exist_ok=True)
    print(f"building LM fixtures from {models_dir}")
    for index, variant in enumerate(common.VARIANTS):
        mlm.build_variant(out_dir, models_dir, index, variant)
    os.makedirs(os.path.join(out_dir, "electra-pretraining"), exist_ok=True)
    pretraining.build(out_dir)
    print("verifying")
    verify.verify(out_dir)
    mf.replace_readme_section(os.path.join(os.path.dirname(out_dir), "README.md"), readme.MARKER, readme.SECTION)
    print("done")


if __name__ == "__main__":
    main()
