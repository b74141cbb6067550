#!/bin/sh
# Install the Debian packages dcanas needs to build and test (run as root):
# the build's (protobuf-c and ONNX's schema for dcanas export, libjpeg and
# libpng for image folders too), and the
# export test's independent checkers (python3-onnx, python3-opencv), and
# Open MPI for data-parallel runs (optional to the build: --without-mpi),
# and clang for the fuzz harnesses (make fuzz; CI runs them).
set -eu
pkgs="build-essential autoconf automake libtool libltdl-dev libjansson-dev \
libopenblas-dev check zlib1g-dev pkg-config dataset-fashion-mnist \
libprotobuf-c-dev protobuf-c-compiler libonnx-dev python3-onnx python3-opencv \
libjpeg-dev libpng-dev libopenmpi-dev openmpi-bin clang"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
