# The enode image of the tests: the runtime stage of the top-level Dockerfile with a
# binary built on the host (a bookworm machine, as the image is) instead of a fourth
# compile inside Docker. scripts/compose-test builds it when ENODE_PREBUILT names a binary:
#   docker build --target runtime -t enode:runtime .          (the repository's Dockerfile)
#   docker build -f prebuilt.Dockerfile -t enode:dev DIR      (DIR holds only `enode`)
ARG RUNTIME_IMAGE=enode:runtime
FROM ${RUNTIME_IMAGE}
COPY enode /usr/local/bin/enode
