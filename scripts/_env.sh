# shellcheck shell=bash
# Shared by the scripts in this folder (source it, then call lht_env). Creates what is missing:
#   .venv       Python 3.11 + `pip install -e '.[local,dev]'` (re-run when pyproject.toml,
#               requirements.core.txt or the set of top-level packages changes; stamp file)
#   .venv-snow  Snowflake CLI (snowflake-cli==3.30.0) in its own environment: it pins exact
#               Snowpark/connector versions that must not mix with the project's.
# Needs only python3.11 (with venv + pip) and network access to PyPI. Override the interpreter
# with LHT_PYTHON=/path/to/python3.11.

LHT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LHT_SNOW_VERSION="3.30.0"

lht_log() { printf '[lht] %s\n' "$*" >&2; }

lht_python() {
    local candidate
    for candidate in "${LHT_PYTHON:-}" python3.11 python3 python; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    lht_log "Python 3.11 not found: install python3.11 (with venv) or set LHT_PYTHON"
    return 1
}

lht_stamp() {
    # What the editable install depends on: the metadata files and which packages exist.
    (
        cd "$LHT_ROOT"
        cat pyproject.toml requirements.core.txt
        ls -d app/lht/__init__.py emulator/__init__.py 2>/dev/null
    ) | cksum | cut -d' ' -f1
}

lht_env_main() {
    local py stamp_file stamp
    cd "$LHT_ROOT"
    if [ ! -x .venv/bin/python ]; then
        py="$(lht_python)" || return 1
        lht_log "creating .venv with $py"
        "$py" -m venv .venv || return 1
        .venv/bin/python -m pip install --quiet --upgrade pip || return 1
    fi
    stamp_file=.venv/.lht-install-stamp
    stamp="$(lht_stamp)"
    if [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp" ] ||
        ! .venv/bin/python -c 'import lht, emulator' >/dev/null 2>&1; then
        lht_log "installing lht into .venv (pip install -e '.[local,dev]')"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[local,dev]' ||
            return 1
        printf '%s\n' "$stamp" >"$stamp_file"
    fi
}

lht_env_snow() {
    local py
    cd "$LHT_ROOT"
    local installed=""
    if [ -x .venv-snow/bin/snow ]; then
        installed="$(.venv-snow/bin/python -c \
            'import importlib.metadata as m; print(m.version("snowflake-cli"))' 2>/dev/null)"
    fi
    [ "$installed" = "$LHT_SNOW_VERSION" ] && return 0
    py="$(lht_python)" || return 1
    lht_log "creating .venv-snow with snowflake-cli==$LHT_SNOW_VERSION"
    "$py" -m venv .venv-snow || return 1
    .venv-snow/bin/python -m pip install --quiet --disable-pip-version-check \
        "snowflake-cli==$LHT_SNOW_VERSION" || return 1
}

# Both environments; scripts that do not need snow call lht_env_main only.
lht_env() {
    lht_env_main && lht_env_snow
}
