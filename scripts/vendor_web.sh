#!/usr/bin/env bash
# Fetch the web app's JavaScript from the npm registry (npm pack: the published
# tarballs, pinned versions) and copy their built files and licenses into the
# package. Run again after changing a version; commit what it writes.
#   src/plenaria/templates/web/static/vendor/   shipped in the wheel
#   tests/browser/vendor/                       tests only (axe-core)
set -euo pipefail
cd "$(dirname "$0")/.."

HTMX=htmx.org@2.0.11
TUS=tus-js-client@4.3.1
AXE=axe-core@4.14.1
SWAGGER=swagger-ui-dist@5.35.0

static=src/plenaria/templates/web/static/vendor
tests=tests/browser/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

unpack() {  # unpack SPEC -> prints the folder holding the package
    local spec=$1 dir
    dir="$work/${spec%@*}"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
    echo "$dir/package"
}

copy() {  # copy SRC DEST_FOLDER NAME
    mkdir -p "$2"
    cp "$1" "$2/$3"
}

p=$(unpack "$HTMX")
copy "$p/dist/htmx.min.js" "$static/htmx" htmx.min.js
copy "$p/LICENSE" "$static/htmx" LICENSE
echo "$HTMX" > "$static/htmx/VERSION"

p=$(unpack "$TUS")
copy "$p/dist/tus.min.js" "$static/tus-js-client" tus.min.js
copy "$p/LICENSE" "$static/tus-js-client" LICENSE
echo "$TUS" > "$static/tus-js-client/VERSION"

p=$(unpack "$SWAGGER")  # the API's /api/v1/docs page, offline
for f in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE; do
    copy "$p/$f" "$static/swagger-ui" "$f"
done
echo "$SWAGGER" > "$static/swagger-ui/VERSION"

p=$(unpack "$AXE")
copy "$p/axe.min.js" "$tests/axe-core" axe.min.js
copy "$p/LICENSE" "$tests/axe-core" LICENSE
echo "$AXE" > "$tests/axe-core/VERSION"

find "$static" "$tests" -type f | sort
