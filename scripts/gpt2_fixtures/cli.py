"""Command line: build the model and write every fixture, or run the prompt search."""

import argparse
import os
import shutil
import sys

import torch
import transformers
from base_fixtures.common import replace_readme_section
from transformers import GPT2TokenizerFast

from .common import MIN_MARGIN, PROMPTS, SEED, write_json
from .generate_cases import make_generate
from .model import build_model, build_tokenizer, encode, load_model, make_reference
from .processors import make_processors
from .readme import README_MARKER, README_SECTION
from .search import search_prompts


def main(description):
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="the fixtures directory")
    parser.add_argument(
        "--search", type=int, metavar="SEED", help="only search prompts (for this weight seed) and print them"
    )
    parser.add_argument("--limit", type=int, default=10**6, help="--search: candidates per prompt slot")
    args = parser.parse_args()
    out_dir = os.path.abspath(args.out)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    tok = build_tokenizer(os.path.join(out_dir, "tokenizers", "gpt2"))
    if args.search is not None:
        if search_prompts(build_model(args.search), tok, args.limit) is None:
            sys.exit("no prompts found")
        return
    lengths = [len(tok(p)["input_ids"]) for p in PROMPTS]
    assert lengths == [2, 5, 8], lengths

    model_dir = os.path.join(out_dir, "models", "gpt2")
    if os.path.isdir(model_dir):
        shutil.rmtree(model_dir)
    os.makedirs(model_dir)
    build_model(SEED).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    # transformers 5 only writes tokenizer.json + tokenizer_config.json; add the classic pair
    # (byte copies of the committed real GPT-2 files the tokenizer was built from).
    for name in ("vocab.json", "merges.txt"):
        if not os.path.exists(os.path.join(model_dir, name)):
            shutil.copyfile(os.path.join(out_dir, "tokenizers", "gpt2", name), os.path.join(model_dir, name))
    model = load_model(model_dir)
    reloaded_tok = GPT2TokenizerFast.from_pretrained(model_dir)
    reloaded_tok.padding_side = "left"
    input_ids, attention_mask, position_ids = encode(reloaded_tok, PROMPTS)
    assert input_ids.tolist() == encode(tok, PROMPTS)[0].tolist()

    reference = make_reference(model, input_ids, attention_mask, position_ids)
    write_json(os.path.join(model_dir, "reference.json"), reference)
    print(f"models/gpt2: loss {reference['loss']}")

    generate = make_generate(model, reloaded_tok)
    for case in generate["cases"]:
        print(f"  {case['name']}: min margin {case['min_margin']:.4g}")
    if generate["min_margin"] < MIN_MARGIN:
        sys.exit(f"min margin {generate['min_margin']} < {MIN_MARGIN}: pick another SEED with --search")
    write_json(os.path.join(out_dir, "generation", "generate.json"), generate)
    print(f"generation/generate.json: early eos {generate['early_eos_token_id']}, "
          f"bad words {generate['bad_words_ids']}, min margin {generate['min_margin']:.4g}")

    processors = make_processors(model)
    write_json(os.path.join(out_dir, "generation", "processors.json"), processors)
    print(f"generation/processors.json: order {processors['generate_processor_order']['processors']}")

    replace_readme_section(
        os.path.join(out_dir, "README.md"), README_MARKER, README_SECTION.format(transformers=transformers.__version__)
    )
    print("done")
