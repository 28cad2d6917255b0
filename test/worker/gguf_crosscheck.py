#!/usr/bin/env python3
"""Cross-checks this project's GGUF writer and reader against gguf-py.

1. make-tiny-qwen2 writes the tiny Qwen2 model and a manifest of what it meant
   to write; gguf-py's GGUFReader must read exactly that: the same metadata
   (keys in order, types, values), the same tensors (names, types, dims, data
   offsets, bytes), alignment and data offset.
2. gguf-py's GGUFWriter writes a file with every metadata type, nested and
   string arrays, a custom alignment and several tensor types; gguf-dump (our
   reader) must report exactly what was written.

Exit status: 0 pass, 1 fail, 77 skipped (gguf-py is not installed in this
Python; the project's scripts install it into .venv from requirements.txt).
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import numpy as np
    import gguf
    from gguf import GGUFReader, GGUFWriter, GGUFValueType, GGMLQuantizationType
except ImportError as e:  # pragma: no cover - depends on the environment
    print(f"SKIP: the gguf package is not importable from {sys.executable} ({e}); "
          "run ./scripts/test, which installs requirements.txt into .venv", flush=True)
    sys.exit(77)

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)


def type_name(t):
    return GGUFValueType(t).name.lower()


def reader_value(field, types):
    """A field's value in the manifest's JSON representation."""
    main = types[0]
    if main == GGUFValueType.ARRAY:
        return field.contents()
    if main == GGUFValueType.FLOAT32:
        return float(np.float32(field.contents()))
    return field.contents()


def same_value(expected, actual, vtype):
    if vtype == "float32":
        return np.float32(expected) == np.float32(actual)
    if vtype == "float64":
        return float(expected) == float(actual)
    return expected == actual


def check_our_file_with_gguf_py(make_tiny, workdir, extra_args):
    label = "make-tiny-qwen2 " + " ".join(extra_args)
    path = workdir / "tiny.gguf"
    manifest_path = workdir / "tiny.manifest.json"
    subprocess.run([make_tiny, str(path), "--manifest", str(manifest_path), *extra_args], check=True)
    manifest = json.loads(manifest_path.read_text())
    reader = GGUFReader(path)

    check(int(reader.fields["GGUF.version"].contents()) == manifest["version"],
          f"{label}: version differs")
    check(int(reader.alignment) == manifest["alignment"],
          f"{label}: alignment {reader.alignment} != {manifest['alignment']}")
    check(int(reader.data_offset) == manifest["data_offset"],
          f"{label}: data offset {reader.data_offset} != {manifest['data_offset']}")

    keys = [k for k in reader.fields if not k.startswith("GGUF.")]
    check(keys == [m["key"] for m in manifest["metadata"]], f"{label}: metadata keys differ: {keys}")
    for m in manifest["metadata"]:
        field = reader.fields.get(m["key"])
        if field is None:
            continue
        check(type_name(field.types[0]) == m["type"],
              f"{label}: {m['key']}: type {type_name(field.types[0])} != {m['type']}")
        if m["type"] == "array":
            check(type_name(field.types[-1]) == m["element_type"],
                  f"{label}: {m['key']}: element type {type_name(field.types[-1])} != {m['element_type']}")
            actual = field.contents()
            ok = len(actual) == len(m["value"]) and all(
                same_value(e, a, m["element_type"]) for e, a in zip(m["value"], actual))
            check(ok, f"{label}: {m['key']}: array values differ")
        else:
            check(same_value(m["value"], reader_value(field, field.types), m["type"]),
                  f"{label}: {m['key']}: {reader_value(field, field.types)!r} != {m['value']!r}")

    check([t.name for t in reader.tensors] == [t["name"] for t in manifest["tensors"]],
          f"{label}: tensor names or order differ")
    for t, m in zip(reader.tensors, manifest["tensors"]):
        check(t.tensor_type.name == m["type"], f"{label}: {t.name}: type {t.tensor_type.name} != {m['type']}")
        check([int(d) for d in t.shape] == m["dims"], f"{label}: {t.name}: dims {list(t.shape)} != {m['dims']}")
        check(int(t.data_offset) == manifest["data_offset"] + m["offset"],
              f"{label}: {t.name}: data offset {t.data_offset} != {manifest['data_offset'] + m['offset']}")
        check(int(t.n_bytes) == m["n_bytes"], f"{label}: {t.name}: {t.n_bytes} bytes != {m['n_bytes']}")
        check(t.data.tobytes().hex() == m["data_hex"], f"{label}: {t.name}: tensor bytes differ")
    print(f"ok: gguf-py reads the file of {label} as written "
          f"({len(keys)} metadata entries, {len(reader.tensors)} tensors)")


def check_gguf_py_file_with_ours(gguf_dump, workdir):
    path = workdir / "from-gguf-py.gguf"
    rng = np.random.default_rng(1234)
    writer = GGUFWriter(str(path), arch="crosscheck")
    expected_meta = [{"key": "general.architecture", "type": "string", "value": "crosscheck"}]

    def add(key, vtype, value, element_type=None):
        if vtype == "array":
            sub = GGUFValueType[element_type.upper()]
            writer.add_key_value(key, value, GGUFValueType.ARRAY, sub_type=sub)
            expected_meta.append({"key": key, "type": "array", "element_type": element_type,
                                  "value": value})
        else:
            getattr(writer, f"add_{vtype}")(key, value)
            expected_meta.append({"key": key, "type": vtype, "value": value})

    writer.add_custom_alignment(64)
    expected_meta.append({"key": "general.alignment", "type": "uint32", "value": 64})
    add("test.uint8", "uint8", 250)
    add("test.int8", "int8", -100)
    add("test.uint16", "uint16", 65000)
    add("test.int16", "int16", -32000)
    add("test.uint32", "uint32", 4000000000)
    add("test.int32", "int32", -2000000000)
    add("test.float32", "float32", 0.1)
    add("test.uint64", "uint64", 18000000000000000000)
    add("test.int64", "int64", -9000000000000000000)
    add("test.float64", "float64", 2.718281828459045)
    add("test.bool", "bool", True)
    add("test.string", "string", "héllo, wörld \u2603")
    add("test.array.int32", "array", [1, -2, 3, -4], "int32")
    add("test.array.float32", "array", [0.5, -1.25, 3.0], "float32")
    add("test.array.string", "array", ["a", "", "Ġthe", "<|im_end|>"], "string")
    add("test.array.bool", "array", [True, False, True], "bool")
    add("test.array.uint8", "array", [0, 1, 255], "uint8")
    # An array of arrays (GGUF allows nesting; gguf-py writes it).
    writer.add_key_value("test.array.nested", [[1, 2], [3]], GGUFValueType.ARRAY,
                         sub_type=GGUFValueType.ARRAY)
    expected_meta.append({"key": "test.array.nested", "type": "array", "element_type": "array",
                          "value": [{"element_type": "int32", "value": [1, 2]},
                                    {"element_type": "int32", "value": [3]}]})

    tensors = [
        ("t.f32.matrix", rng.standard_normal((5, 7)).astype(np.float32), None),
        ("t.f16.vector", rng.standard_normal(33).astype(np.float16), None),
        ("t.f32.3d", rng.standard_normal((2, 3, 4)).astype(np.float32), None),
        ("t.i8", rng.integers(-128, 127, size=(3, 10), dtype=np.int8), None),
        # Raw Q8_0 blocks (34 bytes per 32 elements): 2 rows of 64 elements.
        ("t.q8_0", rng.integers(0, 255, size=(2, 68), dtype=np.uint8), GGMLQuantizationType.Q8_0),
    ]
    for name, array, raw in tensors:
        writer.add_tensor(name, array, raw_dtype=raw)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    result = subprocess.run([gguf_dump, "--json", "--data", str(path)], capture_output=True, text=True)
    check(result.returncode == 0, f"gguf-dump failed on gguf-py's file: {result.stderr}")
    if result.returncode != 0:
        return
    ours = json.loads(result.stdout)
    reference = GGUFReader(path)
    check(ours["version"] == 3, f"version {ours['version']}")
    check(ours["alignment"] == 64, f"alignment {ours['alignment']}")
    check(ours["data_offset"] == int(reference.data_offset),
          f"data offset {ours['data_offset']} != gguf-py's {reference.data_offset}")
    check([m["key"] for m in ours["metadata"]] == [m["key"] for m in expected_meta],
          f"metadata keys differ: {[m['key'] for m in ours['metadata']]}")
    for e, o in zip(expected_meta, ours["metadata"]):
        check(e["type"] == o["type"], f"{e['key']}: type {o['type']} != {e['type']}")
        if e["type"] == "array":
            check(e["element_type"] == o.get("element_type"), f"{e['key']}: element type {o.get('element_type')}")
            if e["element_type"] == "float32":
                check([np.float32(x) for x in e["value"]] == [np.float32(x) for x in o["value"]],
                      f"{e['key']}: {o['value']} != {e['value']}")
            else:
                check(e["value"] == o["value"], f"{e['key']}: {o['value']} != {e['value']}")
        else:
            check(same_value(e["value"], o["value"], e["type"]), f"{e['key']}: {o['value']!r} != {e['value']!r}")

    check([t["name"] for t in ours["tensors"]] == [t[0] for t in tensors], "tensor names differ")
    for (name, array, raw), o, r in zip(tensors, ours["tensors"], reference.tensors):
        want_type = raw.name if raw is not None else {np.float32: "F32", np.float16: "F16", np.int8: "I8"}[array.dtype.type]
        check(o["type"] == want_type, f"{name}: type {o['type']} != {want_type}")
        want_dims = [int(d) for d in reversed(array.shape)]
        if raw is not None:  # byte shape -> element shape
            want_dims[0] = want_dims[0] // 34 * 32
        check(o["dims"] == want_dims, f"{name}: dims {o['dims']} != {want_dims}")
        check(ours["data_offset"] + o["offset"] == int(r.data_offset),
              f"{name}: data offset {ours['data_offset'] + o['offset']} != gguf-py's {r.data_offset}")
        check(o["offset"] % 64 == 0, f"{name}: offset {o['offset']} not aligned to 64")
        check(o["data_hex"] == array.tobytes().hex(), f"{name}: tensor bytes differ")
    print(f"ok: our reader reads gguf-py's file as written ({len(expected_meta)} metadata entries, "
          f"{len(tensors)} tensors, alignment 64)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--make-tiny-qwen2", required=True)
    parser.add_argument("--gguf-dump", required=True)
    args = parser.parse_args()
    from importlib.metadata import version
    print(f"gguf-py {version('gguf')} from {Path(gguf.__file__).parent}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        check_our_file_with_gguf_py(args.make_tiny_qwen2, workdir, [])
        check_our_file_with_gguf_py(args.make_tiny_qwen2, workdir, ["--tied", "--alignment", "128", "--layers", "3"])
        check_gguf_py_file_with_ours(args.gguf_dump, workdir)
    for f in FAILURES:
        print("FAIL:", f)
    print(f"{'FAILED' if FAILURES else 'PASSED'}: {len(FAILURES)} mismatches")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
