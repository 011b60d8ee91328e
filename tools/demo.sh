#!/bin/sh
# The main job, end to end: install dependencies, build, and generate a
# small face set (8 identities x 4 images) plus a contact sheet in out/demo.
# Models: $V2F_MODELS, else ./models/vec2face-plus (exported from the
# official checkpoints, see README), else a random-weight base model that
# is exported here -- its images are NOT faces.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build

models=${V2F_MODELS:-models/vec2face-plus}
random=0
if [ ! -f "$models/generator.pt" ]; then
  random=1
  models=models/random-base
  echo "*** No official models in \$V2F_MODELS or models/vec2face-plus."
  echo "*** Using RANDOM weights (base size, seed 0): the images will NOT be faces;"
  echo "*** they only show that the pipeline runs. See README, 'Getting the official models'."
  if [ ! -f "$models/generator.pt" ]; then
    py=$(tools/python-with-torch.sh)
    PYTHONPATH=vec2face_torch/src "$py" -m vec2face_torch.export --random --size base --seed 0 \
      --parts generator --out "$models"
  fi
fi
mkdir -p out
build/examples/v2f_example_demo "$models" out/demo --ids 8 --per-id 4 --seed 1
if [ "$random" = 1 ]; then
  echo "*** Reminder: out/demo was made with RANDOM weights; these are not faces."
fi
echo "open out/demo/contact_sheet.png"
