/* The generated kernels bench/kernels times (see generated.h). None exist yet: the tir -> LLVM
 * side fills these entries, e.g. `.matmul = {.prepare = llvm_bench_matmul_prepare,
 * .run = llvm_bench_matmul_run, .release = llvm_bench_matmul_release}`, and links what they
 * need into bench_kernels (bench/CMakeLists.txt). An entry left empty prints "n/a". */
#include "bench/generated.h"

const bench_generated_table bench_generated_kernels = {
    .matmul = {0},
    .conv2d = {0},
    .softmax = {0},
    .layer_norm = {0},
    .add = {0},
};
