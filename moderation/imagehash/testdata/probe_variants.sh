#!/usr/bin/env bash
# Makes stronger variants than the development set's (larger and off-centre crops, small
# rotations, heavier re-encoding, colour changes) of every ORIGINALS/*.jpg into OUT/variants and
# writes OUT/manifest.jsonl in the eval format (DESIGN §9), to see where the hashes stop:
#   bash moderation/imagehash/testdata/probe_variants.sh ../shared/eval/images/originals /tmp/imgprobe
#   go run ./cmd/trustd eval images --manifest /tmp/imgprobe/manifest.jsonl
# Needs ImageMagick (apt-get install imagemagick). README "Image trust" has the figures.
set -euo pipefail
src_dir=$(cd "$1" && pwd)
out=$2
mkdir -p "$out/variants"
ln -sfn "$src_dir" "$out/originals"
man="$out/manifest.jsonl"
: > "$man"
declare -A ops=(
  [crop15]="-gravity center -crop 70%x70%+0+0 +repage"
  [cropcorner]="-gravity northwest -crop 85%x85%+0+0 +repage"
  [rotate180]="-rotate 180"
  [rotate5]="-rotate 5"
  [resize25]="-resize 25%"
  [jpeg_q20]="-quality 20"
  [bright40]="-modulate 140,100,100"
  [saturate]="-modulate 100,150,100"
  [blur2]="-blur 0x2"
  [mirrorcrop]="-flop -gravity center -crop 90%x90%+0+0 +repage"
  [border]="-bordercolor white -border 8%x8%"
  [sepia]="-sepia-tone 80%"
  [contrast]="-level 10%,90%"
)
for f in "$src_dir"/*.jpg; do
  stem=$(basename "$f" .jpg)
  printf '{"file":"originals/%s.jpg","original":"originals/%s.jpg","transform":"original"}\n' "$stem" "$stem" >> "$man"
  for t in "${!ops[@]}"; do
    q=85
    [ "$t" = jpeg_q20 ] && q=20
    # shellcheck disable=SC2086 # the options are separate words
    convert "$f" ${ops[$t]} -quality "$q" "$out/variants/${stem}__$t.jpg"
    printf '{"file":"variants/%s__%s.jpg","original":"originals/%s.jpg","transform":"%s"}\n' "$stem" "$t" "$stem" "$t" >> "$man"
  done
done
echo "$(wc -l < "$man") lines in $man"
