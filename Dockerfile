# fhesynth: the command-line tool, libfhesynth and the Python package on Debian 12.
#
#   docker build -t fhesynth .
#   docker run --rm fhesynth --version
#   docker run --rm -v "$PWD/data:/data:ro" -v fhesynth-out:/out fhesynth \
#       run /data/adult.csv --out /out/synthetic.csv --epsilon 1
#   docker compose up        # owner and server in two containers (compose.yaml)
#
# Two stages: `build` has the compilers and -dev packages and installs everything into
# /opt/fhesynth (also a Python virtual environment); the run stage gets /opt/fhesynth and only
# the runtime libraries it links to (found with ldd + dpkg -S in the build stage, so the list
# follows the code), plus python3 and python3-pandas. It runs as the unprivileged user
# fhesynth (uid 10001). scripts/container-check.sh builds it on a Docker engine (with a locally
# debootstrapped base when no registry is reachable) and runs the README's commands and
# compose.yaml.

ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libsodium-dev libjansson-dev libcsv-dev libzstd-dev zlib1g-dev \
      libopenblas-dev liblapacke-dev libgsl-dev libxgboost-dev liblinear-dev \
      python3 python3-venv python3-pip python3-setuptools python3-wheel python3-pandas \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# the library and the CLI only (no tests, no benchmarks), installed into the prefix
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build --target fhesynth fhesynth_shared \
 && cmake --install /build --prefix /opt/fhesynth --strip
# The prefix is also a virtual environment that sees Debian's pandas: /opt/fhesynth/bin holds
# both `fhesynth` and `python3`, and the package finds libfhesynth in sys.prefix/lib
# (FHESYNTH_BUNDLE=0: the package does not build or bundle a second copy).
RUN python3 -m venv --system-site-packages /opt/fhesynth \
 && FHESYNTH_BUNDLE=0 /opt/fhesynth/bin/python -m pip install --no-index --no-build-isolation \
      --disable-pip-version-check --no-compile ./python \
 && /opt/fhesynth/bin/python -m pip uninstall -y -q pip setuptools \
 && /opt/fhesynth/bin/python -c 'import fhesynth; print("python: libfhesynth", fhesynth.library_version(), fhesynth.library_path())'
# the Debian packages of every shared library the binary and the library load
RUN mkdir -p /opt/fhesynth/share/fhesynth \
 && { ldd /opt/fhesynth/bin/fhesynth /opt/fhesynth/lib/libfhesynth.so.0 | awk '$2 == "=>" && $3 ~ /^\// {print $3}' \
        | sort -u | while read -r so; do \
            real=$(readlink -f "$so"); \
            dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null || dpkg -S "$so"; \
          done | cut -d: -f1 ; echo python3; echo python3-pandas; } \
      | sort -u > /opt/fhesynth/share/fhesynth/runtime-packages \
 && cat /opt/fhesynth/share/fhesynth/runtime-packages

FROM ${DEBIAN_IMAGE}
LABEL org.opencontainers.image.title="fhesynth" \
      org.opencontainers.image.description="Synthetic data from homomorphically encrypted tables"
COPY --from=build /opt/fhesynth/share/fhesynth/runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/runtime-packages apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages
COPY --from=build /opt/fhesynth /opt/fhesynth
# /keys (owner only, 0700), /exchange (owner <-> server), /out: named volumes mounted there
# start with this ownership
RUN echo /opt/fhesynth/lib > /etc/ld.so.conf.d/fhesynth.conf && ldconfig \
 && useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin fhesynth \
 && mkdir -p /keys /exchange /out /data /work \
 && chown fhesynth:fhesynth /keys /exchange /out /work && chmod 0700 /keys
# the owner key and the privacy ledgers live with the owner's keys
ENV PATH=/opt/fhesynth/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1 FHESYNTH_HOME=/keys/home
USER fhesynth
WORKDIR /work
ENTRYPOINT ["fhesynth"]
CMD ["--help"]
