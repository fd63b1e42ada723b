/* Sliding-window geometry for Conv, ConvTranspose and the pools: see
 * window.h.  Formulas are the ONNX spec's; the SAME pads put the odd
 * extra cell at the end (SAME_UPPER) or at the beginning (SAME_LOWER). */
#include <inttypes.h>
#include <stdlib.h>

#include "window.h"

#define WIN_ERROR(w, ...) relay_op_error((w)->op, (w)->node, SB_ERR_INVALID, __VA_ARGS__)

static sb_status window_list(nn_window *w, const char *name, const relay_ints *v, int want,
			     int64_t min, int64_t def, int64_t *out)
{
	if (!v->set) {
		for (int i = 0; i < want; i++)
			out[i] = def;
		return SB_OK;
	}
	if (v->n != want)
		return WIN_ERROR(w,
				 "%s has %d values but the input has %d spatial axes (%d expected)",
				 name, v->n, w->nsp, want);
	for (int i = 0; i < want; i++) {
		if (v->v[i] < min || v->v[i] > NN_MAX_WINDOW)
			return WIN_ERROR(
			    w, "%s[%d] is %" PRId64 "; it must be in [%" PRId64 ", %" PRId64 "]",
			    name, i, v->v[i], min, (int64_t)NN_MAX_WINDOW);
		out[i] = v->v[i];
	}
	return SB_OK;
}

sb_status nn_window_init(nn_window *w, relay_op op, const char *node, int nsp, const char *auto_pad,
			 const relay_ints *kernel_shape, const int64_t *weight_kernel,
			 const relay_ints *strides, const relay_ints *dilations,
			 const relay_ints *pads)
{
	memset(w, 0, sizeof *w);
	w->op = op;
	w->node = node;
	w->nsp = nsp;
	if (nsp < 1 || nsp > SB_MAX_RANK - 2)
		return WIN_ERROR(w,
				 "input must have rank 3 to %d ([N, C, spatial...]), got rank %d",
				 SB_MAX_RANK, nsp + 2);
	if (!auto_pad || !*auto_pad || !strcmp(auto_pad, "NOTSET"))
		w->auto_pad = NN_NOTSET;
	else if (!strcmp(auto_pad, "SAME_UPPER"))
		w->auto_pad = NN_SAME_UPPER;
	else if (!strcmp(auto_pad, "SAME_LOWER"))
		w->auto_pad = NN_SAME_LOWER;
	else if (!strcmp(auto_pad, "VALID"))
		w->auto_pad = NN_VALID;
	else
		return WIN_ERROR(w, "auto_pad '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID",
				 auto_pad);

	sb_status st;
	if (kernel_shape->set) {
		if ((st = window_list(w, "kernel_shape", kernel_shape, nsp, 1, 1, w->kernel)))
			return st;
		for (int i = 0; weight_kernel && i < nsp; i++)
			if (weight_kernel[i] >= 0 && weight_kernel[i] != w->kernel[i])
				return WIN_ERROR(w,
						 "kernel_shape[%d] is %" PRId64
						 " but the weight's spatial dim %d is %" PRId64,
						 i, w->kernel[i], i, weight_kernel[i]);
	} else if (weight_kernel) {
		for (int i = 0; i < nsp; i++) {
			if (weight_kernel[i] == 0 || weight_kernel[i] > NN_MAX_WINDOW)
				return WIN_ERROR(w, "the weight's spatial dim %d is %" PRId64, i,
						 weight_kernel[i]);
			w->kernel[i] = weight_kernel[i];
		}
	} else {
		return WIN_ERROR(w, "kernel_shape is required");
	}
	if ((st = window_list(w, "strides", strides, nsp, 1, 1, w->stride)) ||
	    (st = window_list(w, "dilations", dilations, nsp, 1, 1, w->dilation)))
		return st;
	int64_t p[2 * SB_MAX_RANK];
	if ((st = window_list(w, "pads", pads, 2 * nsp, 0, 0, p)))
		return st;
	/* With auto_pad set, pads are computed; a stray pads attribute (some
	 * exporters write zeros) is ignored rather than rejected. */
	for (int i = 0; i < nsp; i++) {
		w->pad_begin[i] = w->auto_pad == NN_NOTSET ? p[i] : 0;
		w->pad_end[i] = w->auto_pad == NN_NOTSET ? p[nsp + i] : 0;
		w->in[i] = w->out[i] = -1;
	}
	return SB_OK;
}

sb_status nn_window_forward(nn_window *w, const int64_t *in, bool ceil_mode)
{
	for (int i = 0; i < w->nsp; i++) {
		int64_t n = in[i], k = w->kernel[i], s = w->stride[i];
		w->in[i] = n;
		w->out[i] = -1;
		if (n < 0 || k < 0)
			continue;
		if (n > NN_MAX_DIM)
			return WIN_ERROR(w, "spatial axis %d of size %" PRId64 " is too large", i,
					 n);
		int64_t dk = (k - 1) * w->dilation[i] + 1, out;
		if (w->auto_pad == NN_SAME_UPPER || w->auto_pad == NN_SAME_LOWER) {
			out = nn_ceil_div(n, s);
			int64_t total = SB_MAX(0, (out - 1) * s + dk - n);
			int64_t small = total / 2;
			w->pad_begin[i] = w->auto_pad == NN_SAME_UPPER ? small : total - small;
			w->pad_end[i] = total - w->pad_begin[i];
		} else {
			int64_t pb = w->pad_begin[i], pe = w->pad_end[i];
			int64_t span = n + pb + pe - dk;
			if (span < 0)
				return WIN_ERROR(w,
						 "spatial axis %d: input size %" PRId64
						 " with pads %" PRId64 "+%" PRId64
						 " is smaller than the kernel extent %" PRId64,
						 i, n, pb, pe, dk);
			if (ceil_mode && w->auto_pad == NN_NOTSET) {
				out = nn_ceil_div(span, s) + 1;
				/* The last window must start inside the input or the
				 * leading pad, not in the trailing pad. */
				if ((out - 1) * s >= n + pb)
					out--;
			} else {
				out = span / s + 1;
			}
		}
		if (out < 1)
			return WIN_ERROR(
			    w, "spatial axis %d of size %" PRId64 " gives an empty output", i, n);
		w->out[i] = out;
	}
	return SB_OK;
}

bool nn_window_keeps_size(const nn_window *w, int i)
{
	if (w->kernel[i] < 0 || w->stride[i] != 1)
		return false;
	int64_t dk = (w->kernel[i] - 1) * w->dilation[i] + 1;
	switch (w->auto_pad) {
	case NN_SAME_UPPER:
	case NN_SAME_LOWER:
		return true;
	case NN_VALID:
		return dk == 1;
	case NN_NOTSET:
		return w->pad_begin[i] + w->pad_end[i] == dk - 1;
	}
	return false;
}

sb_status nn_rows_build(nn_rows *r, const nn_window *w)
{
	int last = w->nsp - 1;
	memset(r, 0, sizeof *r);
	r->ksize = nn_prod(w->nsp, w->kernel);
	r->outer = nn_prod(last, w->out);
	r->ow = w->out[last];
	r->sw = w->stride[last];
	r->row = malloc(sizeof(int64_t) * (size_t)SB_MAX(1, r->ksize * r->outer));
	r->off = malloc(sizeof(int64_t) * (size_t)SB_MAX(1, r->ksize) * 3);
	if (!r->row || !r->off) {
		nn_rows_free(r);
		return relay_op_error(w->op, w->node, SB_ERR_NOMEM,
				      "out of memory for window tables");
	}
	r->lo = r->off + r->ksize;
	r->hi = r->lo + r->ksize;

	int64_t kpos[SB_MAX_RANK] = {0};
	int64_t iw = w->in[last];
	for (int64_t k = 0; k < r->ksize; k++) {
		int64_t off = kpos[last] * w->dilation[last] - w->pad_begin[last];
		int64_t lo = off >= 0 ? 0 : nn_ceil_div(-off, r->sw);
		int64_t hi = iw - 1 - off >= 0 ? (iw - 1 - off) / r->sw + 1 : 0;
		lo = SB_MIN(lo, r->ow);
		r->off[k] = off;
		r->lo[k] = lo;
		r->hi[k] = SB_MAX(lo, SB_MIN(hi, r->ow));

		int64_t oq[SB_MAX_RANK] = {0};
		for (int64_t q = 0; q < r->outer; q++) {
			int64_t base = 0;
			for (int d = 0; d < last && base >= 0; d++) {
				int64_t id = oq[d] * w->stride[d] + kpos[d] * w->dilation[d] -
					     w->pad_begin[d];
				base = id < 0 || id >= w->in[d] ? -1 : base * w->in[d] + id;
			}
			r->row[k * r->outer + q] = base < 0 ? -1 : base * iw;
			nn_index_next(last, w->out, oq);
		}
		nn_index_next(w->nsp, w->kernel, kpos);
	}
	return SB_OK;
}

void nn_rows_free(nn_rows *r)
{
	free(r->row);
	free(r->off);
	r->row = r->off = r->lo = r->hi = NULL;
}
