"""Build step of the fhesynth package: libfhesynth.so.0 is bundled inside the package.

The metadata is in pyproject.toml; this file only adds the step that provides the library:

    python3 -m venv --system-site-packages V
    V/bin/pip install --no-index --no-build-isolation ./python

runs CMake on the repository that holds this directory (python/..), builds only the shared
library target (fhesynth_shared, Release, -j of the usable CPUs) and copies it into the
package as fhesynth/libfhesynth.so.0, where fhesynth._native finds it first after
FHESYNTH_LIBRARY. Where the library comes from, in order:

1. FHESYNTH_LIBRARY at build time: that libfhesynth.so (or a directory holding one) is
   bundled and nothing is built (the fast path of CI and scripts/setup-python.sh);
2. the repository (python/.., or FHESYNTH_SOURCE_DIR): built with CMake into
   FHESYNTH_BUILD_DIR, by default build/libfhesynth-release under this directory
   (python/build/...), so that a reinstall only rebuilds what changed;
3. a libfhesynth.so* already inside the package source (a staged copy with the library
   placed in it, with no repository around it);
otherwise the build fails and says how to get the library.

FHESYNTH_BUNDLE=0 builds and bundles nothing: the library is then found at run time in
sys.prefix/lib or on the system (a `cmake --install` beside the package, as the container
image does).

The wheel is tagged py3-none-<platform>: the package is pure Python loading the library
through ctypes, so it fits any CPython 3.9+, but the bundled library is platform-specific.
"""
import glob
import os
import shutil
import subprocess
import sys

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py as _build_py

try:
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # no python3-wheel: setuptools' own error about it comes later
    _bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "fhesynth"
BUNDLED = "libfhesynth.so.0"  # the soname: what _native looks for first in the package
TARGET = "fhesynth_shared"


class LibraryError(SystemExit):
    """Stops the build with one clear message (pip prints it)."""

    def __init__(self, msg):
        super().__init__("fhesynth: " + msg)


def _say(msg):
    print("fhesynth: " + msg, flush=True)


def _jobs():
    env = os.environ.get("FHESYNTH_BUILD_JOBS")
    if env:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _real_library(path):
    """The library file named by FHESYNTH_LIBRARY (a file or a directory holding one)."""
    if os.path.isdir(path):
        names = sorted(glob.glob(os.path.join(path, "libfhesynth.so*")), key=len)
        if not names:
            raise LibraryError("FHESYNTH_LIBRARY=%s: no libfhesynth.so* in this directory" % path)
        path = names[0]
    if not os.path.isfile(path):
        raise LibraryError("FHESYNTH_LIBRARY=%s: no such file" % path)
    return os.path.realpath(path)


def _repository():
    """The fhesynth source tree this package belongs to, or None."""
    root = os.environ.get("FHESYNTH_SOURCE_DIR") or os.path.dirname(HERE)
    root = os.path.abspath(root)
    marker = os.path.join(root, "src", "api", "CMakeLists.txt")
    try:
        with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
            top = f.read()
    except OSError:
        return None
    if "project(fhesynth" not in top or not os.path.isfile(marker):
        return None
    return root


def _cache_value(cache, key):
    try:
        with open(cache, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


def _cmake_build(root, build_dir):
    """Configures and builds fhesynth_shared; returns the path of the built library."""
    cmake = shutil.which("cmake")
    if not cmake:
        raise LibraryError(
            "cmake is needed to build libfhesynth (apt-get install cmake ninja-build, and the C "
            "libraries: scripts/setup-debian.sh), or set FHESYNTH_LIBRARY to a built libfhesynth.so")
    generator = "Ninja" if shutil.which("ninja") else "Unix Makefiles"
    cache = os.path.join(build_dir, "CMakeCache.txt")
    if os.path.exists(cache):
        # a build directory left by another checkout or another generator cannot be reused
        home = _cache_value(cache, "CMAKE_HOME_DIRECTORY")
        gen = _cache_value(cache, "CMAKE_GENERATOR")
        if (home and os.path.realpath(home) != os.path.realpath(root)) or (gen and gen != generator):
            _say("%s was configured for %s (%s): starting it afresh" % (build_dir, home, gen))
            shutil.rmtree(build_dir)
    os.makedirs(build_dir, exist_ok=True)
    jobs = _jobs()
    _say("building libfhesynth from %s in %s (Release, %s, -j%d)" % (root, build_dir, generator, jobs))
    steps = [
        ("configuring", [cmake, "-S", root, "-B", build_dir, "-G", generator, "-DCMAKE_BUILD_TYPE=Release"]),
        ("building", [cmake, "--build", build_dir, "--target", TARGET, "-j", str(jobs)]),
    ]
    for what, cmd in steps:
        _say("$ " + " ".join(cmd))
        try:
            subprocess.run(cmd, check=True)
        except subprocess.CalledProcessError as e:
            raise LibraryError(
                "%s libfhesynth with CMake failed (exit %d; its output is above). On Debian 12, "
                "scripts/setup-debian.sh installs the compilers and C libraries it needs; or set "
                "FHESYNTH_LIBRARY to a built libfhesynth.so." % (what, e.returncode))
    built = [p for p in glob.glob(os.path.join(build_dir, "**", "libfhesynth.so*"), recursive=True)
             if os.path.isfile(p) and not os.path.islink(p)]
    if not built:
        raise LibraryError("CMake built %s but no libfhesynth.so* is in %s" % (TARGET, build_dir))
    return max(built, key=os.path.getmtime)


def find_or_build_library(package_src):
    """The libfhesynth file to bundle (see the module docstring for the order)."""
    env = os.environ.get("FHESYNTH_LIBRARY")
    if env:
        lib = _real_library(env)
        _say("bundling FHESYNTH_LIBRARY=%s (nothing is built)" % lib)
        return lib
    root = _repository()
    if root:
        build_dir = os.environ.get("FHESYNTH_BUILD_DIR") or os.path.join(HERE, "build", "libfhesynth-release")
        return _cmake_build(root, os.path.abspath(build_dir))
    staged = sorted(glob.glob(os.path.join(package_src, "libfhesynth.so*")), key=len)
    if staged:
        _say("bundling %s (already in the package; no repository to build from)" % staged[0])
        return os.path.realpath(staged[0])
    raise LibraryError(
        "cannot build libfhesynth: %s is not inside the fhesynth repository (no CMakeLists.txt "
        "of project fhesynth in %s). Install from a clone (pip install ./python at its top), set "
        "FHESYNTH_SOURCE_DIR to a clone, or set FHESYNTH_LIBRARY to a built libfhesynth.so."
        % (HERE, os.path.dirname(HERE)))


class build_py(_build_py):
    """The Python files, then libfhesynth.so.0 beside them."""

    def run(self):
        super().run()
        editable = getattr(self, "editable_mode", False)
        package_src = os.path.abspath(self.get_package_dir(PACKAGE))
        # an editable install imports the source tree, a wheel the build directory
        dest_dir = package_src if editable else os.path.join(self.build_lib, *PACKAGE.split("."))
        dest = os.path.join(dest_dir, BUNDLED)
        bundle = os.environ.get("FHESYNTH_BUNDLE", "1").strip().lower() not in ("0", "no", "false", "off")
        if not editable:
            # only the library chosen now: nothing left in build/lib by an earlier build
            for old in glob.glob(os.path.join(dest_dir, "libfhesynth.so*")):
                if not bundle or os.path.basename(old) != BUNDLED:
                    os.unlink(old)
        if not bundle:
            _say("FHESYNTH_BUNDLE=0: no library bundled (found at run time in sys.prefix/lib or "
                 "on the system)")
            return
        lib = find_or_build_library(package_src)
        os.makedirs(dest_dir, exist_ok=True)
        if os.path.realpath(lib) != os.path.realpath(dest):
            if os.path.lexists(dest):
                os.unlink(dest)
            shutil.copyfile(lib, dest)
            os.chmod(dest, 0o755)
        _say("bundled %s as %s" % (lib, dest))

    def get_outputs(self, include_bytecode=1):
        outs = list(super().get_outputs(include_bytecode))
        dest = os.path.join(self.build_lib, *PACKAGE.split("."), BUNDLED)
        if not getattr(self, "editable_mode", False) and os.path.exists(dest) and dest not in outs:
            outs.append(dest)
        return outs


class BinaryDistribution(Distribution):
    """Holds a shared library: installed to platlib, the wheel's root is not purelib."""

    def has_ext_modules(self):
        return True


cmdclass = {"build_py": build_py}

if _bdist_wheel is not None:

    class bdist_wheel(_bdist_wheel):
        """Platform wheel (it holds a shared library) that fits any CPython 3: py3-none-<plat>."""

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = bdist_wheel

# the egg-info goes to build/ too, so that an install leaves the source tree as it was
# (apart from build/)
os.makedirs(os.path.join(HERE, "build"), exist_ok=True)
setup(cmdclass=cmdclass, distclass=BinaryDistribution,
      options={"egg_info": {"egg_base": os.path.relpath(os.path.join(HERE, "build"))}})
