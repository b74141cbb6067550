/* dcanas — export a trained network for deployment (dcanas export).
 *
 * The exporter walks the network description the costs are computed from
 * (the space's build_net, dca_net), binds each op's parameters from a
 * weights file by the names the space gives them (dca_op_bind.param), and
 * runs the deployed schedule of net.h (dca_net_plan): batch norm folded
 * into the convolution before it, tensors at the arena offsets the
 * peak_memory constraint counts. Inference form: no drop-path, no
 * auxiliary head. The input is an image as floats in [0, 1], NCHW; the
 * per-channel normalisation the network was trained with is its first
 * step. */
#ifndef DCANAS_EXPORT_H
#define DCANAS_EXPORT_H

#include <stddef.h>

#include <dcanas/error.h>
#include <dcanas/net.h>
#include <dcanas/weights.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dca_export_net dca_export_net;

/* Bind net's ops to the arrays of w. Every op that has parameters must find
 * them, with the shapes the op implies; with check_all, every array of w
 * must be used by some op (a weights file of another architecture is
 * refused, naming the first array that does not fit), but a checkpoint's
 * optimizer state ("momentum/..."). mean/std: the
 * per-channel input normalisation (net's input channels, at most 4). The
 * result keeps pointers into net, which must outlive it. */
int dca_export_bind(const dca_net *net, const dca_weights_file *w, int check_all,
		    const float *mean, const float *std, dca_export_net **out,
		    dca_error *err);
void dca_export_free(dca_export_net *x);

/* Quantize x to int8 after post-training calibration on n images (each
 * C*H*W floats in [0, 1]): one scale per activation tensor from the
 * largest value it takes on them, one per output channel for weights,
 * int32 sums. From then on dca_export_run runs the int8 network and
 * dca_export_c writes it (activations in an int8 arena a quarter of the
 * float one); dca_export_onnx refuses it. */
int dca_export_quantize(dca_export_net *x, const float *images, int n,
			dca_error *err);

/* Facts about the deployed network, for reports and tests. */
typedef struct dca_export_info {
	size_t arena_bytes;    /* activations: the plan's arena (= peak_memory;
				* int8: a quarter of it) */
	size_t weight_bytes;   /* constants after folding batch norm (float32;
				* int8: the weights' bytes and their factors) */
	int int8;              /* quantized */
	size_t n_steps;        /* ops in the deployed schedule */
} dca_export_info;
void dca_export_get_info(const dca_export_net *x, dca_export_info *info);

/* Run the deployed schedule on one image (in: C*H*W floats in [0, 1];
 * logits: classes floats), exactly as the generated C code does: the
 * reference the export tests compare against. */
int dca_export_run(const dca_export_net *x, const float *in, float *logits,
		   dca_error *err);

/* A dependency-free C99 translation unit: PATH_C (NAME.c) and PATH_H
 * (NAME.h) with the weights as const arrays, one static arena of
 * NAME_ARENA_BYTES and `void NAME_run(const float *in, float *out)`.
 * name must be a C identifier. Both files are written atomically. */
int dca_export_c(const dca_export_net *x, const char *name, const char *path_c,
		 const char *path_h, const char *doc, dca_error *err);

/* An ONNX model (opset 13) of the deployed network, written atomically:
 * input "image" [N, C, H, W] floats in [0, 1], output "logits" [N, classes].
 * doc: the model's doc_string. */
int dca_export_onnx(const dca_export_net *x, const char *path, const char *doc,
		    dca_error *err);

#ifdef __cplusplus
}
#endif
#endif
