"""`<out>/electra-pretraining/reference.json`: the ELECTRA replaced-token-detection loss exactly
as Simple Transformers 0.70 computes it (simpletransformers/custom_models/models.py,
ElectraForLanguageModelingModel.forward; language_modeling_model.py, the train / evaluate loops;
language_modeling_utils.py, mask_tokens), with the one random step, the generator sample, fixed.

Simple Transformers' logic (paraphrased):
  * mask_tokens: labels = ids; candidates = non-special, non-pad tokens, each chosen with
    probability mlm_probability (0.15, Bernoulli); labels = -100 elsewhere.  For
    model_type "electra" every chosen input token becomes [MASK] (no 80/10/10 rule).
  * tie_generator_and_discriminator_embeddings (default True):
    discriminator_model.set_input_embeddings(generator_model.get_input_embeddings()), i.e.
    discriminator.electra.embeddings.word_embeddings = generator.electra.embeddings.word_embeddings
    (only the word-embedding table is shared; position / token-type embeddings and the
    embedding LayerNorm stay separate).  The generator's lm head is tied to the same table.
  * forward(inputs, labels, attention_mask, token_type_ids):
      g = generator(inputs, labels=labels, attention_mask, token_type_ids)   # g_loss = HF MLM CE
      probs = softmax(g.logits, dim=-1, dtype=float32)                      # temperature 1, no gumbel
      sampled = multinomial(probs.view(-1, vocab), 1).view(batch, seq)       # at EVERY position
      mask = labels != -100
      d_inputs = inputs.clone(); d_inputs[mask] = sampled[mask]              # only masked positions
      d_labels = mask.long(); d_labels[sampled == labels] = 0                # a correct sample is "original"
      d = discriminator(d_inputs, labels=d_labels, attention_mask, token_type_ids)
      return g_loss, d_loss, ...
  * loss = g_loss + args.discriminator_loss_weight * d_loss  (default weight 50.0).
  * d_loss is HF's ElectraForPreTraining loss: BCEWithLogits mean over positions with
    attention_mask == 1, or over ALL positions (padding included) when attention_mask is None.
    The train loop passes attention_mask / token_type_ids only with use_hf_datasets=True;
    by default (use_hf_datasets=False) both are None and the batch is padded with pad_token_id by
    the collate function, so padding is attended to and counted in d_loss.

Here `sampled` is replaced by a fixed choice: the argmax of the generator logits at each masked
position, except the first masked position of row 0, which takes the original token (a
"correct sample", so that the d_labels[sampled == labels] = 0 branch is covered)."""

import json
import os

import make_fixtures as mf
import torch
from transformers import AutoTokenizer

from . import common as c

DISCRIMINATOR_LOSS_WEIGHT = 50.0
GENERATOR_DIR = "electra"
DISCRIMINATOR_DIR = "electra-discriminator"
PREFIXES = ("generator_model.", "discriminator_model.")
# Gradients recorded (names as in Simple Transformers' ElectraForLanguageModelingModel; its
# named_parameters() lists the shared word embeddings under the generator).
GRAD_PARAMS = [
    "generator_model.electra.embeddings.word_embeddings.weight",
    "generator_model.electra.encoder.layer.0.attention.self.query.weight",
    "generator_model.generator_predictions.dense.weight",
    "generator_model.generator_lm_head.bias",
    "discriminator_model.electra.embeddings.position_embeddings.weight",
    "discriminator_model.electra.encoder.layer.0.attention.self.query.weight",
    "discriminator_model.discriminator_predictions.dense.weight",
    "discriminator_model.discriminator_predictions.dense_prediction.weight",
    "discriminator_model.discriminator_predictions.dense_prediction.bias",
]
LOSS_DEFINITION = "total_loss = g_loss + 50.0 * d_loss (Simple Transformers' ELECTRA training loss), eval mode"
VARIANT_NOTES = {
    "with_attention_mask": "attention_mask and token_type_ids passed to both models (Simple Transformers with use_hf_datasets=True)",
    "no_attention_mask": "attention_mask = token_type_ids = None for both models (Simple Transformers' default "
    "use_hf_datasets=False): padding is attended to and every position, padding included, enters d_loss",
}


def load_pair(out_dir):
    """Generator and discriminator reloaded from their fixture directories, word embeddings tied
    the way Simple Transformers ties them."""
    generator = c.load_model(os.path.join(out_dir, GENERATOR_DIR), "mlm")
    discriminator = c.load_model(os.path.join(out_dir, DISCRIMINATOR_DIR), "discriminator")
    assert torch.equal(generator.get_input_embeddings().weight, discriminator.get_input_embeddings().weight)
    discriminator.set_input_embeddings(generator.get_input_embeddings())
    assert discriminator.electra.embeddings.word_embeddings is generator.electra.embeddings.word_embeddings
    return generator, discriminator


def named_params(generator, discriminator):
    """named_parameters() of the pair as ElectraForLanguageModelingModel would list them."""
    params, seen = {}, set()
    for prefix, model in zip(PREFIXES, (generator, discriminator)):
        for name, p in model.named_parameters():
            if id(p) not in seen:
                seen.add(id(p))
                params[prefix + name] = p
    return params


def fixed_samples(g_logits, labels):
    """argmax at the masked positions; row 0's first masked position gets the original token."""
    mask = labels.ne(-100)
    sampled = torch.full_like(labels, -100)
    sampled[mask] = g_logits.argmax(-1)[mask]
    first = mask[0].nonzero()[0, 0].item()
    sampled[0, first] = labels[0, first]
    return sampled


def argmax_margin(g_logits, labels):
    """Smallest top-1 minus top-2 logit gap over the masked positions."""
    top = g_logits[labels.ne(-100)].topk(2, dim=-1).values
    return (top[:, 0] - top[:, 1]).min().item()


def electra_step(generator, discriminator, inputs, labels, attention_mask, token_type_ids, sampled=None):
    """ElectraForLanguageModelingModel.forward with `sampled` in place of the multinomial draw."""
    d_inputs = inputs.clone()
    g_out = generator(inputs, labels=labels, attention_mask=attention_mask, token_type_ids=token_type_ids)
    if sampled is None:
        sampled = fixed_samples(g_out.logits.detach(), labels)
    mask = labels.ne(-100)
    d_inputs[mask] = sampled[mask]
    correct = sampled == labels  # at unmasked positions both are -100, but d_labels is 0 there anyway
    d_labels = mask.long()
    d_labels[correct] = 0
    d_out = discriminator(d_inputs, labels=d_labels, attention_mask=attention_mask, token_type_ids=token_type_ids)
    total = g_out.loss + DISCRIMINATOR_LOSS_WEIGHT * d_out.loss
    return g_out, d_out, sampled, d_inputs, d_labels, total


def run_variant(generator, discriminator, enc, inputs, labels, with_mask, sampled=None):
    attention_mask = enc["attention_mask"] if with_mask else None
    token_type_ids = enc.get("token_type_ids") if with_mask else None
    generator.zero_grad(set_to_none=True)
    discriminator.zero_grad(set_to_none=True)
    g_out, d_out, sampled, d_inputs, d_labels, total = electra_step(
        generator, discriminator, inputs, labels, attention_mask, token_type_ids, sampled
    )
    # Independent cross-check of d_loss.
    if with_mask:
        active = attention_mask == 1
        d_manual = torch.nn.functional.binary_cross_entropy_with_logits(d_out.logits[active], d_labels[active].float())
    else:
        d_manual = torch.nn.functional.binary_cross_entropy_with_logits(d_out.logits, d_labels.float())
    assert torch.allclose(d_out.loss, d_manual, rtol=1e-6, atol=1e-7), "d_loss != manual BCE"
    total.backward()
    params = named_params(generator, discriminator)
    grads = {n: mf.tensor_json(params[n].grad) for n in GRAD_PARAMS}
    record = {
        "note": VARIANT_NOTES["with_attention_mask" if with_mask else "no_attention_mask"],
        "attention_mask": attention_mask.tolist() if with_mask else None,
        "token_type_ids": token_type_ids.tolist() if token_type_ids is not None else None,
        # Full [batch, seq, vocab] with the mask; without it only the rows of the masked positions
        # ([n_masked, vocab], row-major over (row, position)) to keep the file small.
        "generator_logits" if with_mask else "generator_logits_at_masked": mf.tensor_json(
            g_out.logits if with_mask else g_out.logits[labels.ne(-100)]
        ),
        "g_loss": c.f32(g_out.loss.item()),
        "argmax_margin": c.f32(argmax_margin(g_out.logits.detach(), labels)),
        "sampled_tokens": sampled.tolist(),
        "discriminator_input_ids": d_inputs.tolist(),
        "discriminator_labels": d_labels.tolist(),
        "discriminator_logits": mf.tensor_json(d_out.logits),
        "d_loss": c.f32(d_out.loss.item()),
        "total_loss": c.f32(total.item()),
        "grads": {"loss_definition": LOSS_DEFINITION, "params": grads},
    }
    generator.zero_grad(set_to_none=True)
    discriminator.zero_grad(set_to_none=True)
    return record


def masked_batch(out_dir):
    """The electra MLM fixture's texts and masked positions, every chosen token -> [MASK]."""
    with open(os.path.join(out_dir, GENERATOR_DIR, "reference.json"), encoding="utf-8") as f:
        gen_ref = json.load(f)
    tok = AutoTokenizer.from_pretrained(os.path.join(out_dir, GENERATOR_DIR))
    enc = c.encode(tok, gen_ref["batch"]["texts"])
    positions = gen_ref["batch"]["masked_positions"]
    inputs, labels, _ = c.mask_rows(tok, enc["input_ids"], positions, None, all_mask=True)
    return gen_ref, tok, enc, positions, inputs, labels


def build(out_dir):
    gen_ref, tok, enc, positions, inputs, labels = masked_batch(out_dir)
    generator, discriminator = load_pair(out_dir)
    reference = {
        "generator_dir": GENERATOR_DIR,
        "discriminator_dir": DISCRIMINATOR_DIR,
        "tie_generator_and_discriminator_embeddings": True,
        "tied": {
            "discriminator_model.electra.embeddings.word_embeddings.weight": "generator_model.electra.embeddings.word_embeddings.weight",
            "generator_model.generator_lm_head.weight": "generator_model.electra.embeddings.word_embeddings.weight",
        },
        "discriminator_loss_weight": DISCRIMINATOR_LOSS_WEIGHT,
        "sampling": "fixed: argmax of generator_logits at the masked positions (Simple Transformers draws "
        "torch.multinomial(softmax(logits)) instead); row 0's first masked position takes the original "
        "token instead (a correct sample: discriminator label 0). sampled_tokens is -100 at unmasked positions.",
        "texts": gen_ref["batch"]["texts"],
        "original_input_ids": enc["input_ids"].tolist(),
        "masked_positions": positions,
        "mask_token_id": tok.mask_token_id,
        "generator_input_ids": inputs.tolist(),
        "generator_labels": labels.tolist(),
        "with_attention_mask": run_variant(generator, discriminator, enc, inputs, labels, True),
        "no_attention_mask": run_variant(generator, discriminator, enc, inputs, labels, False),
    }
    mf.write_json(os.path.join(out_dir, "electra-pretraining", "reference.json"), reference)
    for key in ("with_attention_mask", "no_attention_mask"):
        r = reference[key]
        print(f"  built electra-pretraining/{key}: g_loss {r['g_loss']} d_loss {r['d_loss']} total {r['total_loss']} argmax margin {r['argmax_margin']}")
    return reference
