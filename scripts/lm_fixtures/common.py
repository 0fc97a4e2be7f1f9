"""Seeds, variants and the helpers shared by the LM fixture modules: building a model whose
encoder is exactly a base fixture's with a freshly drawn head, loading it back, the tied-weight
bookkeeping and the deterministic MLM masking."""

import os

import make_classification_fixtures as cf  # tokenisation / encoding helpers, TOKENIZER_FILES
import make_fixtures as mf  # tensor encoding, JSON writing
import torch
from safetensors import safe_open
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModelForMaskedLM, AutoModelForPreTraining

# Distinct from the other fixture scripts' seeds (1234.., 4321.., 5321..).
HEAD_SEED = 6321
MASK_SEED = 6421
HEAD_STD = mf.INIT_STD  # 0.2: head Linear weights, every bias, LayerNorm betas
LN_GAMMA_STD = 0.1  # head LayerNorm gammas ~ 1 + N(0, 0.1)
MLM_PROBABILITY = 0.15
MIN_MASKED = 2

f32 = cf.f32
encode = cf.encode
ids_record = cf.ids_record
model_inputs = cf.model_inputs

# (output dir name, base fixture arch, kind).  kind "mlm" = AutoModelForMaskedLM, "discriminator"
# = AutoModelForPreTraining (ElectraForPreTraining).
VARIANTS = [
    ("bert", "bert", "mlm"),
    ("roberta", "roberta", "mlm"),
    ("distilbert", "distilbert", "mlm"),
    ("albert", "albert", "mlm"),
    ("electra", "electra", "mlm"),
    ("xlm-roberta", "xlm-roberta", "mlm"),
    ("camembert", "camembert", "mlm"),
    ("electra-discriminator", "electra", "discriminator"),
]
AUTO_CLASSES = {"mlm": AutoModelForMaskedLM, "discriminator": AutoModelForPreTraining}

# Encoder parameters (relative to the base model) whose gradients are recorded besides the head.
_BERT_LIKE = ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight"]
ENCODER_GRADS = {
    "bert": _BERT_LIKE,
    "roberta": _BERT_LIKE,
    "xlm-roberta": _BERT_LIKE,
    "camembert": _BERT_LIKE,
    "electra": _BERT_LIKE,
    "distilbert": ["embeddings.word_embeddings.weight", "transformer.layer.0.attention.q_lin.weight"],
    # ALBERT's 3 layers share one parameter group: this gradient sums over them.
    "albert": ["embeddings.word_embeddings.weight", "encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight"],
}

# What each head computes in transformers 5.23 (read from its modeling file; the activation /
# eps actually used are also recorded from the live modules where they are attributes).
_ROBERTA_HEAD = {
    "forward": "lm_head.dense (hidden->hidden) -> gelu -> lm_head.layer_norm -> lm_head.decoder "
    "(weight tied to roberta.embeddings.word_embeddings.weight, bias tied to lm_head.bias)",
    "activation": "fixed exact-erf gelu (transformers.activations.gelu), NOT config.hidden_act",
    "layer_norm": "lm_head.layer_norm",
    "layer_norm_eps_source": "config.layer_norm_eps",
}
HEADS = {
    "bert": {
        "forward": "cls.predictions.transform.dense (hidden->hidden) -> act -> "
        "cls.predictions.transform.LayerNorm -> cls.predictions.decoder (weight tied to "
        "bert.embeddings.word_embeddings.weight, bias tied to cls.predictions.bias)",
        "activation": "ACT2FN[config.hidden_act]",
        "activation_attr": "cls.predictions.transform.transform_act_fn",
        "layer_norm": "cls.predictions.transform.LayerNorm",
        "layer_norm_eps_source": "config.layer_norm_eps",
    },
    "roberta": _ROBERTA_HEAD,
    "xlm-roberta": _ROBERTA_HEAD,
    "camembert": _ROBERTA_HEAD,
    "distilbert": {
        "forward": "vocab_transform (dim->dim) -> act -> vocab_layer_norm -> vocab_projector "
        "(weight tied to distilbert.embeddings.word_embeddings.weight, own bias vocab_projector.bias)",
        "activation": "get_activation(config.activation)",
        "activation_attr": "activation",
        "layer_norm": "vocab_layer_norm",
        "layer_norm_eps_source": "fixed 1e-12 (not read from the config)",
    },
    "albert": {
        "forward": "predictions.dense (hidden->embedding_size) -> act -> predictions.LayerNorm "
        "(embedding_size) -> predictions.decoder (embedding_size->vocab, weight tied to "
        "albert.embeddings.word_embeddings.weight, bias tied to predictions.bias)",
        "activation": "ACT2FN[config.hidden_act]",
        "activation_attr": "predictions.activation",
        "layer_norm": "predictions.LayerNorm",
        "layer_norm_eps_source": "config.layer_norm_eps",
    },
    "electra": {
        "forward": "generator_predictions.dense (hidden->embedding_size) -> gelu -> "
        "generator_predictions.LayerNorm (embedding_size) -> generator_lm_head (embedding_size->vocab, "
        "weight tied to electra.embeddings.word_embeddings.weight, own bias generator_lm_head.bias)",
        "activation": "fixed get_activation('gelu') (exact erf), NOT config.hidden_act",
        "activation_attr": "generator_predictions.activation",
        "layer_norm": "generator_predictions.LayerNorm",
        "layer_norm_eps_source": "config.layer_norm_eps",
    },
    "electra-discriminator": {
        "forward": "discriminator_predictions.dense (hidden->hidden) -> act -> "
        "discriminator_predictions.dense_prediction (hidden->1) -> squeeze(-1); no LayerNorm, no tying",
        "activation": "get_activation(config.hidden_act)",
        "activation_attr": "discriminator_predictions.activation",
        "layer_norm": None,
        "layer_norm_eps_source": None,
    },
}


def load_model(directory, kind):
    """from_pretrained (eager attention, float32, every tensor copied out of the memory map),
    eval mode.  Parameters are re-pointed with .data so tied parameters stay shared."""
    model = AUTO_CLASSES[kind].from_pretrained(directory, attn_implementation="eager", dtype=torch.float32)
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            tensor.data = tensor.data.clone()
    model.eval()
    return model


def base_param_ids(model):
    return {id(p) for p in model.base_model.parameters()}


def head_param_names(model):
    """named_parameters() names of the parameters that are not (shared with) base-model
    parameters, i.e. the head's own trainable tensors after tying."""
    base = base_param_ids(model)
    return [name for name, p in model.named_parameters() if id(p) not in base]


def raw_head_names(model):
    """named_parameters() names outside the base-model prefix, exactly as PyTorch lists them
    (XLM-R / CamemBERT register lm_head before roberta, so the tied word embedding is listed
    as lm_head.decoder.weight there)."""
    prefix = model.base_model_prefix + "."
    return [name for name, _ in model.named_parameters() if not name.startswith(prefix)]


def saved_tensor_names(directory):
    with safe_open(os.path.join(directory, "model.safetensors"), "pt") as f:
        return sorted(f.keys())


def tied_map(model, saved_names):
    """{alias: name it is stored under in model.safetensors} for every named_parameters(
    remove_duplicate=False) name that shares its tensor with another name."""
    by_id = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        by_id.setdefault(id(p), []).append(name)
    tied = {}
    for names in by_id.values():
        if len(names) < 2:
            continue
        stored = [n for n in names if n in saved_names]
        assert len(stored) == 1, f"tied group {names}: stored as {stored}"
        tied.update({n: stored[0] for n in sorted(names) if n != stored[0]})
    return dict(sorted(tied.items()))


def build_model(name, base_dir, kind, seed):
    """Model of `kind` whose encoder is exactly the base fixture's and whose head is freshly drawn:
    Linear weights and every bias ~ N(0, 0.2), LayerNorm gammas ~ 1 + N(0, 0.1), drawn in
    head_param_names() order from a seeded generator.  The decoder weight is tied to the word
    embeddings (config.tie_word_embeddings) and therefore is the base fixture's."""
    config = AutoConfig.from_pretrained(base_dir)
    assert config.tie_word_embeddings, f"{name}: base config does not tie word embeddings"
    torch.manual_seed(seed)  # HF's own init (all head tensors are overwritten below)
    model = AUTO_CLASSES[kind].from_config(config, attn_implementation="eager", dtype=torch.float32)

    state = load_file(os.path.join(base_dir, "model.safetensors"))
    result = model.base_model.load_state_dict(state, strict=False)
    assert not result.missing_keys, f"{name}: encoder keys missing from the base fixture: {result.missing_keys}"
    assert all(k.startswith("pooler.") for k in result.unexpected_keys), f"{name}: unexpected keys {result.unexpected_keys}"
    if result.unexpected_keys:
        print(f"  {name}: base keys not used (MLM models have no pooler): {sorted(result.unexpected_keys)}")

    generator = torch.Generator().manual_seed(seed)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for pname in head_param_names(model):
            p = params[pname]
            parent, leaf = pname.rsplit(".", 1)
            if isinstance(model.get_submodule(parent), torch.nn.LayerNorm) and leaf == "weight":
                p.copy_(1.0 + LN_GAMMA_STD * torch.randn(p.shape, generator=generator))
            else:
                p.copy_(HEAD_STD * torch.randn(p.shape, generator=generator))
    return model


def head_record(arch_key, model):
    """The HEADS description plus the activation class / LayerNorm eps found in the live model."""
    info = dict(HEADS[arch_key])
    attr = info.pop("activation_attr", None)
    info["activation_module"] = type(model.get_submodule(attr)).__name__ if attr else "GELUActivation (module-level function)"
    if info["layer_norm"]:
        info["layer_norm_eps"] = model.get_submodule(info["layer_norm"]).eps
    return info


def config_record(config, tok):
    """The config values the heads (and the losses) read."""
    keys = ["model_type", "vocab_size", "hidden_size", "dim", "embedding_size", "hidden_act", "activation",
            "layer_norm_eps", "initializer_range", "tie_word_embeddings", "pad_token_id"]
    record = {k: getattr(config, k) for k in keys if hasattr(config, k)}
    record["mask_token_id"] = tok.mask_token_id
    return record


def choose_positions(tok, input_ids, attention_mask, generator):
    """Per row, the sorted positions to corrupt: max(2, round(0.15 * n)) of the n non-special,
    non-padding tokens (the candidates Simple Transformers' mask_tokens uses), drawn with
    torch.randperm from a seeded generator."""
    positions = []
    for ids, mask in zip(input_ids.tolist(), attention_mask.tolist()):
        special = tok.get_special_tokens_mask(ids, already_has_special_tokens=True)
        candidates = [i for i, (s, m) in enumerate(zip(special, mask)) if not s and m == 1]
        k = max(MIN_MASKED, round(MLM_PROBABILITY * len(candidates)))
        assert len(candidates) >= k, f"only {len(candidates)} candidate tokens"
        order = torch.randperm(len(candidates), generator=generator)[:k].tolist()
        positions.append(sorted(candidates[i] for i in order))
    return positions


def random_token(tok, original, generator):
    """A non-special token id different from `original`, drawn from `generator`."""
    special = set(tok.all_special_ids)
    choices = [i for i in range(len(tok)) if i not in special and i != original]
    return choices[torch.randint(len(choices), (1,), generator=generator).item()]


def mask_rows(tok, input_ids, positions, generator, all_mask=False):
    """MLM corruption of the chosen positions, deterministic stand-in for the 80/10/10 rule:
    every chosen position becomes the mask token, except (unless all_mask) the last chosen
    position of row 1, which keeps its token ("keep"), and the last of row 2, which gets a random
    non-special token ("random").  Returns (inputs, labels, kinds); labels hold the original ids
    at every chosen position and -100 elsewhere."""
    inputs = input_ids.clone()
    labels = torch.full_like(input_ids, -100)
    kinds = []
    for row, pos in enumerate(positions):
        row_kinds = []
        for j, p in enumerate(pos):
            original = input_ids[row, p].item()
            labels[row, p] = original
            kind = "mask"
            if not all_mask and j == len(pos) - 1 and row in (1, 2):
                kind = "keep" if row == 1 else "random"
            if kind == "mask":
                inputs[row, p] = tok.mask_token_id
            elif kind == "random":
                inputs[row, p] = random_token(tok, original, generator)
            row_kinds.append(kind)
        kinds.append(row_kinds)
    return inputs, labels, kinds


def check_encoder(name, model, base_dir, base_ref, enc):
    """The encoder must be the base fixture's: same tensors, same last_hidden_state."""
    base_state = load_file(os.path.join(base_dir, "model.safetensors"))
    for key, value in model.base_model.state_dict().items():
        if key in base_state:
            assert torch.equal(value, base_state[key]), f"{name}: encoder tensor {key} differs from the base fixture"
    for key, value in ids_record(enc).items():
        assert value == base_ref["batch"][key], f"{name}: {key} differs from the base fixture"
    with torch.no_grad():
        hidden = model.base_model(**model_inputs(enc)).last_hidden_state
    hdiff = (hidden - mf.tensor_from_json(base_ref["batch"]["last_hidden_state"])).abs().max().item()
    # Not bit-exact across machines: on a different CPU the base model itself reproduces its own
    # reference.json only to ~1.5e-6 (other kernel summation orders), hence 1e-5 here.
    assert hdiff <= 1e-5, f"{name}: encoder output differs from the base fixture by {hdiff}"
