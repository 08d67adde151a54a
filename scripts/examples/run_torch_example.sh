#!/usr/bin/env bash
# The PyTorch exporter end to end on scripts/examples/torch_example.py (README, "PyTorch models"):
# train the example (seeded, ~10 s), export it with its empirical Fisher on 64 calibration
# sequences, inspect it, palettize it at 2/3/4 bits per-tensor and grouped g16 with and without
# the Fisher as sensitivities, check every compressed file with the NumPy reader, and print the
# table of weighted error, SNR and evaluation-loss increase.
#
#   scripts/examples/run_torch_example.sh [OUT]      # default OUT: scratch/torch_example
#   HARNESS=.build/release/harness scripts/examples/run_torch_example.sh   # a built binary
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-scratch/torch_example}
harness=${HARNESS:-"swift run -c release harness"}
mkdir -p "$out"

python3 scripts/examples/torch_example.py data "$out"
python3 scripts/export_torch_model.py scripts/examples/torch_example.py:trained_model \
  --fisher --calibration "$out/calibration.pt" -o "$out/example"
$harness inspect --model "$out/example.safetensors" --modules "$out/example.modules.json"

for bits in 2 3 4; do
  for granularity in per_tensor g16; do
    if [ "$granularity" = g16 ]; then
      g="{type: per_grouped_channel, axis: 0, group_size: 16}"
    else
      g="{type: per_tensor}"
    fi
    point="${bits}bit-$granularity"
    # Every matrix: weight / in_proj_weight everywhere, and the custom block's second op.
    cat > "$out/$point.yaml" <<YAML
kmeans_palettization_config:
  global_config:
    op_state_spec:
      weight: {n_bits: $bits, granularity: $g}
      in_proj_weight: {n_bits: $bits, granularity: $g}
  module_type_configs:
    torch_example.MixBlock:
      op_state_spec:
        weight: {n_bits: $bits, granularity: $g}
      op_name_config:
        linear_1:
          op_state_spec:
            proj: {n_bits: $bits, granularity: $g}
YAML
    for kind in plain fisher; do
      sensitivities=()
      [ "$kind" = fisher ] && sensitivities=(--sensitivities "$out/example.fisher.safetensors")
      $harness palettize --model "$out/example.safetensors" --modules "$out/example.modules.json" \
        --config "$out/$point.yaml" --seed 0 "${sensitivities[@]}" \
        --report "$out/$point.$kind.csv" --output "$out/$point.$kind.safetensors" 2>/dev/null
      python3 scripts/palettelab_compressed.py "$out/$point.$kind.safetensors" \
        --original "$out/example.safetensors" > "$out/$point.$kind.check"
    done
  done
done
python3 scripts/examples/torch_example.py compare "$out"
