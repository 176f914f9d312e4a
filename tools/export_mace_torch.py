#!/usr/bin/env python3
# SwiftMACE, MIT licence.
# Exports a mace-torch model (a `torch.save(model)` file) to the SwiftMACE model format:
# one .safetensors file holding the state dict plus the config as JSON metadata (docs/MODEL_FORMAT.md).
"""Usage: export_mace_torch.py IN.model OUT.safetensors [--dtype float64|float32]

Supported: e3nn-backend `MACE` / `ScaleShiftMACE` whose interaction blocks are
`RealAgnosticInteractionBlock` or `RealAgnosticResidualInteractionBlock`, with
`LinearReadoutBlock` / `NonLinearReadoutBlock` readouts. Anything else is refused with an
error that names the offending class.
"""

import argparse
import hashlib
import json
import os
import struct
import sys
import tempfile

FORMAT_VERSION = 1
SUPPORTED_MODELS = ("MACE", "ScaleShiftMACE")
SUPPORTED_INTERACTIONS = ("RealAgnosticInteractionBlock", "RealAgnosticResidualInteractionBlock")
SUPPORTED_READOUTS = ("LinearReadoutBlock", "NonLinearReadoutBlock")


class ExportError(Exception):
    """A problem with the input model; the message is shown to the user as is."""


# ----------------------------------------------------------------------------------------------
# safetensors writer (no dependency on the `safetensors` package)

def _safetensors_dtype(tensor):
    import torch

    names = {
        torch.float64: ("F64", 8), torch.float32: ("F32", 4), torch.float16: ("F16", 2),
        torch.bfloat16: ("BF16", 2), torch.int64: ("I64", 8), torch.int32: ("I32", 4),
        torch.int16: ("I16", 2), torch.int8: ("I8", 1), torch.uint8: ("U8", 1),
        torch.bool: ("BOOL", 1),
    }
    if tensor.dtype not in names:
        raise ExportError(f"tensor dtype {tensor.dtype} cannot be stored in safetensors")
    return names[tensor.dtype]


def _tensor_bytes(tensor):
    import numpy as np
    import torch

    t = tensor.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
    elif t.dtype == torch.bool:
        raw = t.numpy().astype(np.uint8).tobytes()
    else:
        arr = t.numpy()
        raw = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes(order="C")
    return raw


def write_safetensors(path, tensors, metadata):
    """Writes `tensors` (ordered name → torch.Tensor) and `metadata` (str → str) atomically."""
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, tensor in tensors.items():
        dtype, _ = _safetensors_dtype(tensor)
        raw = _tensor_bytes(tensor)
        header[name] = {"dtype": dtype, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header_bytes = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)  # keep the data 8-byte aligned
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=directory)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(header_bytes)))
            f.write(header_bytes)
            for raw in blobs:
                f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------------------------
# config extraction

def _irreps(x):
    from e3nn import o3

    return str(o3.Irreps(str(x)))


def _class_name(obj):
    return type(obj).__name__


def _require_e3nn(module, kind, where):
    from e3nn import o3

    if not isinstance(module, kind):
        raise ExportError(
            f"{where} is a {type(module).__module__}.{_class_name(module)}, expected e3nn "
            f"o3.{kind.__name__}: only the e3nn backend is supported (convert cuEquivariance "
            f"models back with mace's convert_cueq_e3nn first)")
    del o3


def _linear_info(module, prefix, where):
    from e3nn import o3

    _require_e3nn(module, o3.Linear, where)
    if hasattr(module, "bias") and module.bias.numel() > 0:
        raise ExportError(f"{where}: linear layers with biases are not supported")
    return {
        "irreps_in": _irreps(module.irreps_in),
        "irreps_out": _irreps(module.irreps_out),
        "instructions": [
            {"i_in": int(ins.i_in), "i_out": int(ins.i_out),
             "path_shape": [int(s) for s in ins.path_shape],
             "path_weight": float(ins.path_weight)}
            for ins in module.instructions
        ],
        "weight_numel": int(module.weight_numel),
        "weight": prefix + ".weight",
    }


def _tp_info(module, prefix, where):
    from e3nn import o3

    _require_e3nn(module, o3.TensorProduct, where)
    info = {
        "class": _class_name(module),
        "irreps_in1": _irreps(module.irreps_in1),
        "irreps_in2": _irreps(module.irreps_in2),
        "irreps_out": _irreps(module.irreps_out),
        "instructions": [
            {"i_in1": int(ins.i_in1), "i_in2": int(ins.i_in2), "i_out": int(ins.i_out),
             "connection_mode": ins.connection_mode, "has_weight": bool(ins.has_weight),
             "path_weight": float(ins.path_weight),
             "path_shape": [int(s) for s in ins.path_shape]}
            for ins in module.instructions
        ],
        "weight_numel": int(module.weight_numel),
        "internal_weights": bool(module.internal_weights),
        "shared_weights": bool(module.shared_weights),
    }
    if module.internal_weights:
        info["weight"] = prefix + ".weight"
    return info


def _activation_name(fn):
    import torch

    if fn is None:
        return "none"
    if fn is torch.nn.functional.silu or getattr(fn, "__name__", "") == "silu":
        return "silu"
    if fn is torch.tanh or getattr(fn, "__name__", "") == "tanh":
        return "tanh"
    if fn is torch.abs or getattr(fn, "__name__", "") == "abs":
        return "abs"
    raise ExportError(f"unsupported activation function {fn!r}")


def _normalized_act(act, where):
    """Returns (name, multiplier) of an e3nn normalize2mom-wrapped activation."""
    if act is None:
        return "none", 1.0
    if _class_name(act) != "normalize2mom":
        raise ExportError(f"{where}: expected an e3nn normalize2mom activation, found {_class_name(act)}")
    cst = 1.0 if act._is_id else float(act.cst)
    return _activation_name(act.f), cst


def _radial_mlp_info(net, prefix, where):
    if _class_name(net) != "FullyConnectedNet":
        raise ExportError(f"{where} is a {_class_name(net)}, expected e3nn nn.FullyConnectedNet")
    layers, act_name, cst = [], "none", 1.0
    for i in range(len(net.hs) - 1):
        layer = getattr(net, f"layer{i}")
        name, c = _normalized_act(layer.act, f"{where}.layer{i}")
        if layer.act is not None:
            act_name, cst = name, c
        layers.append({"weight": f"{prefix}.layer{i}.weight", "h_in": int(layer.h_in),
                       "h_out": int(layer.h_out), "var_in": float(layer.var_in),
                       "var_out": float(layer.var_out), "activation": name,
                       "activation_multiplier": c})
    return {"hs": [int(h) for h in net.hs], "activation": act_name,
            "normalize2mom_cst": cst, "layers": layers}


def _contraction_info(contraction, prefix):
    correlation = int(contraction.correlation)
    u_shapes, weights = {}, {}
    for nu in range(1, correlation + 1):
        u = getattr(contraction, f"U_matrix_{nu}")
        u_shapes[str(nu)] = list(u.shape)
    # Output irrep: the U matrix of an L > 0 output has a leading (2L+1) axis.
    d = int(contraction.coupling_irreps.dim)
    u1 = getattr(contraction, "U_matrix_1")
    dim_out = 1 if u1.dim() == 2 else int(u1.shape[0])
    weights[str(correlation)] = prefix + ".weights_max"
    for j in range(correlation - 1):
        weights[str(correlation - 1 - j)] = f"{prefix}.weights.{j}"
    return {"correlation": correlation, "dim_out": dim_out, "coupling_irreps":
            _irreps(contraction.coupling_irreps), "coupling_dim": d,
            "num_features": int(contraction.num_features), "U_shapes": u_shapes,
            "U": {str(nu): f"{prefix}.U_matrix_{nu}" for nu in range(1, correlation + 1)},
            "weights": weights}


def _reduced_cg_used(contraction_modules):
    """Infers use_reduced_cg from the U shapes: e3nn's (non-reduced) basis has a known K."""
    from mace.tools.cg import U_matrix_real
    from e3nn import o3
    import torch

    for info, c, ir_out in contraction_modules:
        for nu in range(1, c.correlation + 1):
            reference = U_matrix_real(irreps_in=c.coupling_irreps, irreps_out=o3.Irreps(ir_out),
                                      correlation=nu, use_cueq_cg=False,
                                      dtype=torch.float64)[-1]
            if list(reference.shape) != info["U_shapes"][str(nu)]:
                return True
    return False


def extract_config(model, source_path, sha256, dtype_name):
    import e3nn
    import mace
    import torch
    from e3nn import o3
    from mace.modules.symmetric_contraction import SymmetricContraction

    model_class = _class_name(model)
    if model_class not in SUPPORTED_MODELS or not type(model).__module__.startswith("mace."):
        raise ExportError(f"unsupported model class {type(model).__module__}.{model_class}; "
                          f"supported: {', '.join(SUPPORTED_MODELS)} from mace.modules")
    for flag in ("joint_embedding", "embedding_readout"):
        if hasattr(model, flag):
            raise ExportError(f"models with '{flag}' (embedding_specs) are not supported")
    if getattr(model, "use_agnostic_product", False):
        raise ExportError("models with use_agnostic_product=True are not supported")
    if getattr(model, "use_so3", False):
        raise ExportError("models with use_so3=True are not supported")
    if getattr(model, "lammps_mliap", False):
        raise ExportError("models built for LAMMPS ML-IAP (lammps_mliap=True) are not supported")

    num_interactions = int(model.num_interactions.item())
    if len(model.interactions) != num_interactions or len(model.products) != num_interactions:
        raise ExportError(f"inconsistent model: num_interactions={num_interactions} but "
                          f"{len(model.interactions)} interaction and {len(model.products)} product blocks")
    atomic_numbers = [int(z) for z in model.atomic_numbers.tolist()]
    num_elements = len(atomic_numbers)
    heads = list(getattr(model, "heads", ["Default"]))

    sh = model.spherical_harmonics
    if _class_name(sh) != "SphericalHarmonics":
        raise ExportError(f"spherical_harmonics is a {_class_name(sh)}, expected e3nn o3.SphericalHarmonics")
    if sh.normalization != "component" or not sh.normalize:
        raise ExportError("spherical harmonics must use normalize=True, normalization='component'")

    radial = model.radial_embedding
    basis_names = {"BesselBasis": "bessel", "GaussianBasis": "gaussian", "ChebychevBasis": "chebyshev"}
    basis = _class_name(radial.bessel_fn)
    if basis not in basis_names:
        raise ExportError(f"unsupported radial basis {basis}")
    transform = "None"
    if hasattr(radial, "distance_transform"):
        transforms = {"AgnesiTransform": "Agnesi", "SoftTransform": "Soft"}
        name = _class_name(radial.distance_transform)
        if name not in transforms:
            raise ExportError(f"unsupported distance transform {name}")
        transform = transforms[name]
    apply_cutoff = bool(getattr(radial, "apply_cutoff", True))

    node_embedding = _linear_info(model.node_embedding.linear, "node_embedding.linear",
                                  "node_embedding.linear")

    interactions, avg_num_neighbors = [], []
    for i, block in enumerate(model.interactions):
        name = _class_name(block)
        if name not in SUPPORTED_INTERACTIONS:
            raise ExportError(f"interactions.{i} is a {name}; supported interaction blocks: "
                              f"{', '.join(SUPPORTED_INTERACTIONS)}")
        if hasattr(block, "conv_fusion"):
            raise ExportError(f"interactions.{i} uses conv_fusion (cuEquivariance/OpenEquivariance); "
                              f"only the e3nn backend is supported")
        p = f"interactions.{i}"
        _require_e3nn(block.skip_tp, o3.FullyConnectedTensorProduct, p + ".skip_tp")
        avg_num_neighbors.append(float(block.avg_num_neighbors))
        interactions.append({
            "class": name,
            "residual": name == "RealAgnosticResidualInteractionBlock",
            "avg_num_neighbors": float(block.avg_num_neighbors),
            "node_attrs_irreps": _irreps(block.node_attrs_irreps),
            "node_feats_irreps": _irreps(block.node_feats_irreps),
            "edge_attrs_irreps": _irreps(block.edge_attrs_irreps),
            "edge_feats_irreps": _irreps(block.edge_feats_irreps),
            "edge_irreps": _irreps(block.edge_irreps),
            "target_irreps": _irreps(block.target_irreps),
            "hidden_irreps": _irreps(block.hidden_irreps),
            "radial_MLP": [int(h) for h in block.radial_MLP],
            "linear_up": _linear_info(block.linear_up, p + ".linear_up", p + ".linear_up"),
            "conv_tp": _tp_info(block.conv_tp, p + ".conv_tp", p + ".conv_tp"),
            "conv_tp_weights": _radial_mlp_info(block.conv_tp_weights, p + ".conv_tp_weights",
                                                p + ".conv_tp_weights"),
            "linear": _linear_info(block.linear, p + ".linear", p + ".linear"),
            "skip_tp": _tp_info(block.skip_tp, p + ".skip_tp", p + ".skip_tp"),
        })

    products, correlations, contraction_modules = [], [], []
    for i, prod in enumerate(model.products):
        p = f"products.{i}"
        sc = prod.symmetric_contractions
        if not isinstance(sc, SymmetricContraction):
            raise ExportError(f"{p}.symmetric_contractions is a {type(sc).__module__}."
                              f"{_class_name(sc)}; only mace's e3nn SymmetricContraction is supported")
        if getattr(prod, "use_agnostic_product", False):
            raise ExportError(f"{p} uses use_agnostic_product=True, which is not supported")
        contractions = []
        for k, (c, (mul, ir)) in enumerate(zip(sc.contractions, sc.irreps_out)):
            info = _contraction_info(c, f"{p}.symmetric_contractions.contractions.{k}")
            info["irrep_out"] = str(ir)
            info["mul_out"] = int(mul)
            contractions.append(info)
            contraction_modules.append((info, c, str(ir)))
        correlations.append(contractions[0]["correlation"])
        products.append({
            "use_sc": bool(prod.use_sc),
            "correlation": contractions[0]["correlation"],
            "irreps_in": _irreps(sc.irreps_in),
            "irreps_out": _irreps(sc.irreps_out),
            "contractions": contractions,
            "linear": _linear_info(prod.linear, p + ".linear", p + ".linear"),
        })

    readouts = []
    use_last_readout_only = bool(getattr(model, "use_last_readout_only", False))
    for i, readout in enumerate(model.readouts):
        name = _class_name(readout)
        p = f"readouts.{i}"
        if name not in SUPPORTED_READOUTS:
            raise ExportError(f"{p} is a {name}; supported readouts: {', '.join(SUPPORTED_READOUTS)}")
        feature_layer = num_interactions - 1 if len(model.readouts) == 1 else i
        if name == "LinearReadoutBlock":
            readouts.append({"class": name, "feature_layer": feature_layer,
                             "linear": _linear_info(readout.linear, p + ".linear", p + ".linear")})
        else:
            acts = readout.non_linearity.acts
            if len(acts) != 1:
                raise ExportError(f"{p}: expected one activation in the readout, found {len(acts)}")
            act_name, cst = _normalized_act(acts[0], p + ".non_linearity")
            readouts.append({
                "class": name, "feature_layer": feature_layer,
                "num_heads": int(getattr(readout, "num_heads", 1)),
                "linear_1": _linear_info(readout.linear_1, p + ".linear_1", p + ".linear_1"),
                "activation": act_name, "normalize2mom_cst": cst,
                "hidden_irreps": _irreps(readout.hidden_irreps),
                "linear_2": _linear_info(readout.linear_2, p + ".linear_2", p + ".linear_2"),
            })
    if len(model.readouts) not in (1, num_interactions):
        raise ExportError(f"expected 1 or {num_interactions} readouts, found {len(model.readouts)}")

    gate, mlp_irreps = "none", None
    nonlinear = [r for r in readouts if r["class"] == "NonLinearReadoutBlock"]
    if nonlinear:
        gate = nonlinear[-1]["activation"]
        mlp_irreps = nonlinear[-1]["hidden_irreps"]
    radial_mlp = interactions[0]["radial_MLP"]
    readout_csts = [r["normalize2mom_cst"] for r in nonlinear]

    config = {
        "format_version": FORMAT_VERSION,
        "model_class": model_class,
        "dtype": dtype_name,
        "atomic_numbers": atomic_numbers,
        "num_elements": num_elements,
        "heads": heads,
        "r_max": float(model.r_max.item()),
        "num_bessel": int(radial.out_dim),
        "num_polynomial_cutoff": int(radial.cutoff_fn.p.item()),
        "radial_type": basis_names[basis],
        "distance_transform": transform,
        "apply_cutoff": apply_cutoff,
        "pair_repulsion": hasattr(model, "pair_repulsion_fn"),
        "max_ell": int(sh._lmax),
        "sh_irreps": _irreps(sh.irreps_out),
        "sh_normalization": "component",
        "sh_normalize": True,
        "num_interactions": num_interactions,
        "correlation": correlations,
        "hidden_irreps": _irreps(model.products[0].linear.irreps_out),
        "MLP_irreps": mlp_irreps,
        "radial_MLP": radial_mlp,
        "gate": gate,
        "avg_num_neighbors": avg_num_neighbors,
        "use_reduced_cg": False,
        "use_last_readout_only": use_last_readout_only,
        "normalize2mom_cst": {
            "radial_mlp": [it["conv_tp_weights"]["normalize2mom_cst"] for it in interactions],
            "readout": readout_csts,
        },
        "node_embedding": node_embedding,
        "interactions": interactions,
        "products": products,
        "readouts": readouts,
        "atomic_energies": "atomic_energies_fn.atomic_energies",
        "scale_shift": ({"scale": "scale_shift.scale", "shift": "scale_shift.shift"}
                        if model_class == "ScaleShiftMACE" else None),
        "versions": {"mace": mace.__version__, "e3nn": e3nn.__version__,
                     "torch": torch.__version__.split("+")[0]},
        "source": {"file": os.path.basename(source_path), "sha256": sha256},
    }
    config["use_reduced_cg"] = _reduced_cg_used(contraction_modules)
    return config


# ----------------------------------------------------------------------------------------------

def load_model(path):
    if not os.path.exists(path):
        raise ExportError(f"{path}: no such file")
    if not os.path.isfile(path):
        raise ExportError(f"{path}: not a regular file")
    try:
        import mace  # noqa: F401  (the pickle refers to mace classes)
        import torch
    except ImportError as error:
        raise ExportError(f"mace-torch and torch must be importable to read {path}: {error}")
    try:
        model = torch.load(path, weights_only=False, map_location="cpu")
    except Exception as error:  # torch raises many kinds here; all mean "not a usable model file"
        raise ExportError(f"{path}: not a torch.save file of a mace model ({type(error).__name__}: {error})")
    if isinstance(model, dict):
        keys = ", ".join(sorted(str(k) for k in list(model)[:5]))
        raise ExportError(f"{path}: holds a dict (keys: {keys}…), not a whole model; "
                          f"save the model itself with torch.save(model, path)")
    if not isinstance(model, torch.nn.Module):
        raise ExportError(f"{path}: holds a {type(model).__module__}.{type(model).__name__}, "
                          f"expected a mace MACE or ScaleShiftMACE module")
    if isinstance(model, torch.jit.ScriptModule):
        raise ExportError(f"{path}: holds a TorchScript-compiled model; export the python model instead")
    return model


def is_u_matrix(name):
    return name.rsplit(".", 1)[-1].startswith("U_matrix_")


def sparse_entries(name, tensor):
    """COO form of a tensor: flat C-order indices (ascending, I32 when they fit) and values."""
    import torch

    flat = tensor.reshape(-1)
    indices = torch.nonzero(flat != 0, as_tuple=False).reshape(-1)
    index_dtype = torch.int32 if flat.numel() <= 2**31 - 1 else torch.int64
    return {name + ".sparse_indices": indices.to(index_dtype),
            name + ".sparse_values": flat[indices].clone()}


def export(in_path, out_path, dtype=None, dense=False):
    """Exports `in_path` to `out_path`; returns the config dict. Raises ExportError."""
    import torch

    model = load_model(in_path)
    with open(in_path, "rb") as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    state = model.state_dict()
    float_dtypes = {t.dtype for t in state.values() if t.is_floating_point()}
    if len(float_dtypes) != 1:
        raise ExportError(f"{in_path}: mixed float dtypes in the state dict: {sorted(map(str, float_dtypes))}")
    model_dtype = float_dtypes.pop()
    target = {None: model_dtype, "float64": torch.float64, "float32": torch.float32}[dtype]
    dtype_name = {torch.float64: "float64", torch.float32: "float32"}.get(target)
    if dtype_name is None:
        raise ExportError(f"{in_path}: unsupported model dtype {target}")
    config = extract_config(model, in_path, sha256, dtype_name)
    config["source"]["dtype"] = {torch.float64: "float64", torch.float32: "float32"}.get(model_dtype, str(model_dtype))
    tensors, sparse = {}, {}
    for name, tensor in state.items():
        t = tensor.detach().cpu()
        if t.is_floating_point():
            t = t.to(target)
        if not dense and is_u_matrix(name):
            entries = sparse_entries(name, t)
            tensors.update(entries)
            sparse[name] = {"shape": list(t.shape), "indices": name + ".sparse_indices",
                            "values": name + ".sparse_values"}
        else:
            tensors[name] = t
    config["sparse_tensors"] = sparse
    metadata = {"swiftmace_format": str(FORMAT_VERSION),
                "swiftmace_config": json.dumps(config, allow_nan=False)}
    write_safetensors(out_path, tensors, metadata)
    return config


def main(argv=None):
    parser = argparse.ArgumentParser(description="Export a mace-torch model to SwiftMACE safetensors.")
    parser.add_argument("input", help="model file written by torch.save(model, path)")
    parser.add_argument("output", help="output .safetensors file")
    parser.add_argument("--dense", action="store_true",
                        help="store the U matrices densely instead of in COO form")
    parser.add_argument("--dtype", choices=["float64", "float32"], default=None,
                        help="float dtype of the exported tensors (default: the model's dtype)")
    args = parser.parse_args(argv)
    try:
        config = export(args.input, args.output, args.dtype, args.dense)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {config['model_class']}, {config['num_interactions']} interactions, "
          f"hidden {config['hidden_irreps']}, elements {config['atomic_numbers']}, {config['dtype']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
