#!/usr/bin/env bash
# Refresh the graph library vendored into the HTML report: install the pinned npm packages into a
# scratch directory, copy their minified builds and licences into report/static/vendor/, and rewrite
# vendor.json (name, version, file, licence, sha256). Run it after changing a version below; the
# report inlines the files in the manifest's order, and tests/report/test_vendor.py checks them.
#
# Usage: scripts/vendor-js.sh   (needs node and npm; nothing is installed outside the scratch dir)
set -euo pipefail

# name@version, in the order the page loads them (a library before the plugins that use it).
PACKAGES=(cytoscape@3.34.4 layout-base@2.0.1 cose-base@2.2.0 cytoscape-fcose@2.2.0)
# Only the libraries that npm ships unminified are minified here, with this pinned minifier.
TERSER=terser@5.36.0

cd "$(dirname "$0")/.."
target=src/rolescope/report/static/vendor
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

(cd "$scratch" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts --save-exact \
    "${PACKAGES[@]}" "$TERSER" >/dev/null)

rm -rf "$target"
mkdir -p "$target"
for spec in "${PACKAGES[@]}"; do
    name=${spec%@*}
    version=${spec##*@}
    package="$scratch/node_modules/$name"
    installed=$(node -p "require('$package/package.json').version")
    [ "$installed" = "$version" ] || { echo "error: npm installed $name $installed, not $version" >&2; exit 1; }
    case "$name" in
        cytoscape) cp "$package/dist/cytoscape.min.js" "$target/$name-$version.min.js" ;;
        *) "$scratch/node_modules/.bin/terser" "$package/$name.js" --compress --mangle --comments '/license|@preserve/i' \
               --output "$target/$name-$version.min.js" ;;
    esac
    cp "$package/LICENSE" "$target/$name-$version.LICENSE"
done

python3 - "$target" "${PACKAGES[@]}" <<'PY'
import hashlib, json, pathlib, subprocess, sys
target = pathlib.Path(sys.argv[1])
entries = []
for spec in sys.argv[2:]:
    name, version = spec.rsplit("@", 1)
    script = target / f"{name}-{version}.min.js"
    licence = target / f"{name}-{version}.LICENSE"
    package = json.loads(subprocess.run(["npm", "view", "--json", spec, "license"], capture_output=True,
                                        text=True, check=True).stdout)
    entries.append({"name": name, "version": version, "file": script.name, "licence_file": licence.name,
                    "licence": package, "sha256": hashlib.sha256(script.read_bytes()).hexdigest(),
                    "licence_sha256": hashlib.sha256(licence.read_bytes()).hexdigest()})
(target / "vendor.json").write_text(json.dumps({"packages": entries}, indent=2) + "\n")
PY
echo "vendored: ${PACKAGES[*]} into $target"
