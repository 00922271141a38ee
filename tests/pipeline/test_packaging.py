"""The package Dataflow workers get: build the sdist the way `--setup_file ./setup.py` does,
install it into a fresh venv (no site packages, dependencies from the index pip uses here,
through pip's wheel cache) and run the pipeline from there, outside the source tree. A wheel
built with `pip wheel .` (from a scratch copy of the checkout, so that no build/ or egg-info of
an earlier build leaks in) must hold every subpackage and module too.

Skips with the reason when pip cannot reach its index (or WIREFEED_SKIP_PACKAGING=1).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile

import pytest

from tests.support import EXAMPLES, ROOT, SHARED, assert_conserved

NETWORK_ERRORS = ("Could not find a version", "No matching distribution", "Failed to establish a new connection",
                  "Temporary failure in name resolution", "Network is unreachable", "Name or service not known",
                  "ProxyError", "Max retries exceeded")
INSTALL_TIMEOUT = 600
PACKAGES = ("pipeline", "transforms")
NOT_SOURCES = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "out", "bench-out")


def _base_python() -> str:
    """The interpreter the project's venv was made from (a venv made from a venv is nested)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def _skip_if_asked():
    if os.environ.get("WIREFEED_SKIP_PACKAGING") == "1":
        pytest.skip("WIREFEED_SKIP_PACKAGING=1")


def _pip(args, what, cwd=None):
    """Run a pip command; skip when pip cannot reach its index, fail on any other error."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, cwd=cwd)
    if done.returncode != 0:
        output = done.stdout + done.stderr
        if any(marker in output for marker in NETWORK_ERRORS):
            pytest.skip(f"pip cannot reach its package index ({what}): "
                        f"{output.strip().splitlines()[-1][:300]}")
        pytest.fail(f"{what} failed:\n{output[-4000:]}")
    return done


def _env_outside() -> dict:
    """This environment without PYTHONPATH: nothing imports from the checkout."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _expected_files():
    """Every module under the packages (relative paths), and every subpackage (dotted names):
    each folder holding an __init__.py."""
    modules = sorted(os.path.relpath(p, ROOT) for pkg in PACKAGES
                     for p in glob.glob(str(ROOT / pkg / "**" / "*.py"), recursive=True))
    subpackages = sorted(os.path.dirname(m).replace(os.sep, ".") for m in modules
                         if os.path.basename(m) == "__init__.py")
    assert set(PACKAGES) <= set(subpackages) and len(subpackages) > len(PACKAGES), subpackages
    return modules, subpackages


def _assert_holds_everything(kind, members):
    modules, subpackages = _expected_files()
    lost = [p for p in subpackages if os.path.join(*p.split("."), "__init__.py") not in members]
    assert not lost, f"the {kind} lacks the subpackages {lost}: setup.py's packages must include every one"
    missing = [m for m in modules if m not in members]
    assert not missing, f"the {kind} lacks the modules {missing}"


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    _skip_if_asked()
    dist = tmp_path_factory.mktemp("dist")
    # What apache_beam's Stager runs for --setup_file when `build` is not installed.
    done = subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--dist-dir", str(dist)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    (path,) = glob.glob(str(dist / "wirefeed-*.tar.gz"))
    return path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """`pip wheel --no-deps -w DIR .` in a scratch copy of the checkout; the wheel's path."""
    _skip_if_asked()
    src = tmp_path_factory.mktemp("wheel-src") / "wirefeed"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    dist = tmp_path_factory.mktemp("wheel")
    _pip([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "--quiet", "--no-deps",
          "-w", str(dist), "."], "pip wheel of the checkout", cwd=src)
    (path,) = glob.glob(str(dist / "wirefeed-*.whl"))
    return path


@pytest.fixture(scope="module")
def installed(sdist, tmp_path_factory):
    """A fresh venv with the sdist installed; {"bin", "seconds"}."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    started = time.monotonic()
    subprocess.run([_base_python(), "-m", "venv", str(venv)], check=True, timeout=120)
    _pip([str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", sdist],
         "pip install of the sdist into a fresh venv")
    seconds = time.monotonic() - started
    print(f"fresh venv + sdist install: {seconds:.0f} s")
    return {"bin": venv / "bin", "seconds": seconds}


def test_sdist_holds_every_subpackage_and_module_and_what_setup_py_reads(sdist):
    with tarfile.open(sdist) as tar:
        members = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    _assert_holds_everything("sdist", members)
    assert {"setup.py", "README.md", "PKG-INFO"} <= members   # setup.py reads README.md


def test_wheel_holds_every_subpackage_and_module_and_nothing_else(wheel):
    with zipfile.ZipFile(wheel) as whl:
        members = set(whl.namelist())
    _assert_holds_everything("wheel", members)
    tops = {name.split("/", 1)[0] for name in members}
    assert {t for t in tops if not t.endswith(".dist-info")} == set(PACKAGES), tops


def test_installed_package_runs_the_pipeline_outside_the_source_tree(installed, tmp_path):
    bin_ = installed["bin"]
    where = subprocess.run([str(bin_ / "python"), "-c",
                            "import pipeline, transforms, transforms.dedupe; "
                            "print(pipeline.__file__); print(transforms.dedupe.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert "site-packages" in line and not line.startswith(str(ROOT)), where.stdout
    out = tmp_path / "out"
    done = subprocess.run([str(bin_ / "wirefeed"), "--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out),
                           "--run-id", "from-sdist"], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env=_env_outside())
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "runs" / "from-sdist.json", encoding="utf-8") as f:
        summary = json.load(f)
    assert summary["counts"]["entries_total"] == 47 and summary["counts"]["stories"] > 0
    assert_conserved(summary)
    assert glob.glob(str(out / "stories" / "date=*" / "lang=*" / "*.parquet"))
    checker = SHARED / "tools" / "check_output.py"
    if checker.exists():
        checked = subprocess.run([str(bin_ / "python"), str(checker), str(out)], capture_output=True, text=True,
                                 timeout=120)
        assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]


def test_installed_dependencies_are_consistent(installed):
    done = subprocess.run([str(installed["bin"] / "python"), "-m", "pip", "check"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_installed_wirefeed_command_prints_its_usage_outside_the_source_tree(installed, tmp_path):
    helped = subprocess.run([str(installed["bin"] / "wirefeed"), "--help"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120, env=_env_outside())
    assert helped.returncode == 0, helped.stderr[-3000:]
    assert helped.stdout.startswith("usage: wirefeed") and "--feeds" in helped.stdout, helped.stdout[:500]


# --------------------------------------------------------------------------- Flex Template

DEPLOY = ROOT / "deploy"
SAMPLES = ("gs://my-bucket/wirefeed/feeds.opml", "parquet,jsonl", "nightly-2026-11-28", "0.5", "7", "1")


def _flex_parameters():
    with open(DEPLOY / "metadata.json", encoding="utf-8") as f:
        metadata = json.load(f)
    assert metadata["name"] and metadata["description"]
    return metadata["parameters"]


def test_flex_template_parameters_are_wirefeed_flags():
    import re
    from pipeline.main import make_parser
    parser = make_parser()
    by_flag = {s: a for a in parser._actions for s in a.option_strings}
    params = _flex_parameters()
    names = [p["name"] for p in params]
    assert len(names) == len(set(names))
    assert {"feeds", "output", "format", "state", "dedupe_window_days", "fetch_timeout"} <= set(names)
    for p in params:
        assert {"name", "label", "helpText"} <= set(p), p
        action = by_flag.get("--" + p["name"])
        assert action is not None, f"{p['name']} is not a wirefeed flag"
        assert action.nargs != 0, f"{p['name']} is a switch: a template parameter always carries a value"
        sample = next((s for s in SAMPLES if all(re.match(r, s) for r in p.get("regexes", []))), None)
        assert sample is not None, f"no sample value matches the regexes of {p['name']}: {p.get('regexes')}"
        known, unknown = parser.parse_known_args([f"--{p['name']}={sample}"])
        assert unknown == [], (p["name"], unknown)
        value = getattr(known, action.dest)
        expected = action.type(sample) if action.type else sample
        assert value in (expected, [expected]), (p["name"], value, sample)
    required = {p["name"] for p in params if not p.get("isOptional", False)}
    assert required == {"feeds", "output"}


def test_dockerfile_copies_files_that_exist_and_points_the_launcher_at_them():
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()
             if line.strip() and not line.strip().startswith("#")]
    assert lines[0].startswith("FROM gcr.io/dataflow-templates-base/python311-template-launcher-base")
    workdir = next(line.split("=", 1)[1] for line in lines if line.startswith("ARG WORKDIR="))
    copied = {}
    for line in lines:
        if line.startswith("COPY "):
            *sources, dest = line.split()[1:]
            for src in sources:
                assert (ROOT / src).exists(), f"the Dockerfile copies {src}, which does not exist"
                # Docker: a folder's contents go into dest; a file into dest/ keeps its name.
                if (ROOT / src).is_dir() or not dest.endswith("/"):
                    target = dest
                else:
                    target = dest + os.path.basename(src)
                copied[os.path.normpath(os.path.join(workdir, target))] = src
    env = dict(line[4:].split("=", 1) for line in lines if line.startswith("ENV ") and "=" in line)
    for key in ("FLEX_TEMPLATE_PYTHON_PY_FILE", "FLEX_TEMPLATE_PYTHON_SETUP_FILE"):
        path = env[key].strip('"').replace("${WORKDIR}", workdir)
        assert path in copied, f"{key}={path} is not a file the Dockerfile copies ({sorted(copied)})"
    assert copied[os.path.join(workdir, "setup.py")] == "setup.py"
    for package in ("pipeline", "transforms"):
        assert os.path.join(workdir, package) in copied
    assert any(line.startswith("RUN ") and "pip install" in line for line in lines)
    launch = (DEPLOY / "launch.py").read_text()
    assert "from pipeline.main import main" in launch and "__main__" in launch
