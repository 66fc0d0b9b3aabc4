#ifndef NANOVLM_COPENBLAS_SHIM_H
#define NANOVLM_COPENBLAS_SHIM_H
// Debian puts OpenBLAS's cblas.h under openblas-pthread/, which pkg-config adds to the path.
#include <cblas.h>
#endif
