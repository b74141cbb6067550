/* dcanas — the kernels of an exported network, in plain C99.
 *
 * One source for two uses: the library compiles it (dca_export_run, the
 * reference the export tests check against), and dcanas export --format c
 * copies this text verbatim into the generated NAME.c (the build turns it
 * into a string, c_kernels_text.c). So it must stay self-contained C99:
 * no includes, no libc, static functions only. Batch 1, float32, NCHW;
 * every output is a separate buffer (the arena plan never overlaps a live
 * input with an output). */

/* y = x * scale[c] + shift[c] per channel (input normalisation, batch norm
 * that could not be folded) */
static void k_scale_shift(const float *x, float *y, int c, int hw,
			  const float *scale, const float *shift)
{
	int i, p;

	for (i = 0; i < c; i++)
		for (p = 0; p < hw; p++)
			y[i * hw + p] = x[i * hw + p] * scale[i] + shift[i];
}

/* the first index o in [0, n) with o * s + base >= 0, and one past the
 * last with o * s + base < limit: the outputs whose input tap is inside */
static void k_range(int n, int s, int base, int limit, int *lo, int *hi)
{
	int a = 0, b = n;

	if (base < 0)
		a = (-base + s - 1) / s;
	if ((n - 1) * s + base >= limit)
		b = limit - base <= 0 ? 0 : (limit - base - 1) / s + 1;
	if (b < a)
		b = a;
	*lo = a;
	*hi = b;
}

/* y_j[i] += w_j * x[i] for i in [0, n), four outputs that share no
 * memory with each other or x (restrict: the compiler vectorizes it
 * without checking) */
static void k_row4(const float *restrict x, int n, float w0, float w1,
		   float w2, float w3, float *restrict y0, float *restrict y1,
		   float *restrict y2, float *restrict y3)
{
	int i;

	for (i = 0; i < n; i++) {
		float v = x[i];
		y0[i] += w0 * v;
		y1[i] += w1 * v;
		y2[i] += w2 * v;
		y3[i] += w3 * v;
	}
}

/* Convolution with groups, stride, zero padding and dilation, reading
 * x[:, off:, off:] of a cin x h x w input; w: cout x (cin/groups) x k x k;
 * bias may be 0 (a null pointer). Output channels go four at a time (of
 * one group), so each input value read serves four outputs; each output
 * row is summed over the taps that fall inside the input. */
static void k_conv(const float *x, int cin, int h, int w, int off, float *y,
		   int cout, int oh, int ow, int k, int stride, int pad, int dil,
		   int groups, const float *wt, const float *bias)
{
	int cg = cin / groups, og = cout / groups, oc, nb, j, ic, ky, kx, oy, ox;
	int eh, ew, plane = oh * ow;

	if (k == 1 && stride == 1 && pad == 0 && off == 0) {
		/* pointwise: the plane is one long row */
		w = ow = plane;
		h = oh = 1;
	}
	eh = h - off;
	ew = w - off;
	for (oc = 0; oc < cout; oc += nb) {
		const float *xg = x + (oc / og) * cg * h * w;
		float *y0 = y + oc * plane, *y1, *y2, *y3;

		/* a block of four within the group, or what the group has left */
		nb = og - oc % og < 4 ? og - oc % og : 4;
		y1 = nb > 1 ? y0 + plane : y0;
		y2 = nb > 2 ? y0 + 2 * plane : y0;
		y3 = nb > 3 ? y0 + 3 * plane : y0;
		for (j = 0; j < nb; j++)
			for (ox = 0; ox < plane; ox++)
				y0[j * plane + ox] = bias ? bias[oc + j] : 0.0f;
		for (ic = 0; ic < cg; ic++) {
			const float *restrict xc = xg + ic * h * w;

			for (ky = 0; ky < k; ky++) {
				int y0r, y1r;

				k_range(oh, stride, ky * dil - pad, eh, &y0r, &y1r);
				for (kx = 0; kx < k; kx++) {
					/* this tap's weight for each output of the
					 * block (0 for the slots past its end) */
					const float *wk = wt + ((oc * cg + ic) * k + ky) * k + kx;
					int step = cg * k * k, x0, x1, bx = kx * dil - pad;
					float w0 = wk[0];
					float w1 = nb > 1 ? wk[step] : 0.0f;
					float w2 = nb > 2 ? wk[2 * step] : 0.0f;
					float w3 = nb > 3 ? wk[3 * step] : 0.0f;

					k_range(ow, stride, bx, ew, &x0, &x1);
					for (oy = y0r; oy < y1r; oy++) {
						/* the row's input index at ox = 0 (the
						 * taps used are x0..x1-1, all inside) */
						int xb = (oy * stride + ky * dil - pad + off) * w +
							 off + bx, r = oy * ow;

						if (nb == 4 && stride == 1)
							k_row4(xc + xb + x0, x1 - x0, w0, w1, w2,
							       w3, y0 + r + x0, y1 + r + x0,
							       y2 + r + x0, y3 + r + x0);
						else
							for (j = 0; j < nb; j++) {
								float wj = j == 0 ? w0 : j == 1 ? w1 :
									   j == 2 ? w2 : w3;
								float *yj = y0 + j * plane + r;
								if (stride == 1)
									for (ox = x0; ox < x1; ox++)
										yj[ox] += wj * xc[xb + ox];
								else
									for (ox = x0; ox < x1; ox++)
										yj[ox] += wj * xc[xb + ox * stride];
							}
					}
				}
			}
		}
	}
}

/* y = W x + b; W: cout x cin */
static void k_linear(const float *x, int cin, float *y, int cout,
		     const float *wt, const float *bias)
{
	int o, i;

	for (o = 0; o < cout; o++) {
		float s = 0.0f;

		for (i = 0; i < cin; i++)
			s += wt[o * cin + i] * x[i];
		y[o] = s + (bias ? bias[o] : 0.0f);
	}
}

static void k_relu(const float *x, float *y, int n)
{
	int i;

	for (i = 0; i < n; i++)
		y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* max (is_max) or average pooling; the average leaves padding out */
static void k_pool(const float *x, int c, int h, int w, float *y, int oh, int ow,
		   int k, int stride, int pad, int is_max)
{
	int i, oy, ox, ky, kx;

	for (i = 0; i < c; i++)
		for (oy = 0; oy < oh; oy++)
			for (ox = 0; ox < ow; ox++) {
				float acc = 0.0f;
				int n = 0;

				for (ky = 0; ky < k; ky++) {
					int iy = oy * stride - pad + ky;

					if (iy < 0 || iy >= h)
						continue;
					for (kx = 0; kx < k; kx++) {
						int ix = ox * stride - pad + kx;
						float v;

						if (ix < 0 || ix >= w)
							continue;
						v = x[(i * h + iy) * w + ix];
						if (is_max)
							acc = n == 0 || v > acc ? v : acc;
						else
							acc += v;
						n++;
					}
				}
				y[(i * oh + oy) * ow + ox] = is_max || n == 0 ? acc : acc / (float)n;
			}
}

static void k_global_avgpool(const float *x, int c, int hw, float *y)
{
	int i, p;

	for (i = 0; i < c; i++) {
		float s = 0.0f;

		for (p = 0; p < hw; p++)
			s += x[i * hw + p];
		y[i] = s / (float)hw;
	}
}

/* y = a + b (an n-input sum is a chain: y = a + b, then y += each next) */
static void k_add(const float *a, const float *b, float *y, int n)
{
	int i;

	for (i = 0; i < n; i++)
		y[i] = a[i] + b[i];
}

static void k_accumulate(const float *x, float *y, int n)
{
	int i;

	for (i = 0; i < n; i++)
		y[i] += x[i];
}

/* copy n floats (a concatenation's part, the logits); 0: fill with zeros */
static void k_copy(const float *x, float *y, int n)
{
	int i;

	for (i = 0; i < n; i++)
		y[i] = x ? x[i] : 0.0f;
}

/* ---- int8 (dcanas export --int8): symmetric post-training quantization.
 * A tensor holds round(v / s) in [-127, 127] with one scale s per tensor
 * (from calibration images), a convolution's weights one scale per output
 * channel; sums run in int32 and are requantized with one float multiply
 * per output channel (mult = s_w * s_x / s_y, add = bias / s_y). */
typedef signed char k_i8;

static k_i8 k_sat(float v)
{
	v = v >= 0.0f ? v + 0.5f : v - 0.5f;
	return (k_i8)(v >= 127.0f ? 127 : v <= -127.0f ? -127 : (int)v);
}

/* y = sat(x * mult[c] + add[c]) per channel: the input normalisation
 * (x float) */
static void k_q_input(const float *x, k_i8 *y, int c, int hw, const float *mult,
		      const float *add)
{
	int i, p;

	for (i = 0; i < c; i++)
		for (p = 0; p < hw; p++)
			y[i * hw + p] = k_sat(x[i * hw + p] * mult[i] + add[i]);
}

/* the same on int8 input: a batch norm that could not be folded */
static void k_q_scale_shift(const k_i8 *x, k_i8 *y, int c, int hw,
			    const float *mult, const float *add)
{
	int i, p;

	for (i = 0; i < c; i++)
		for (p = 0; p < hw; p++)
			y[i * hw + p] = k_sat((float)x[i * hw + p] * mult[i] + add[i]);
}

/* int8 convolution, as k_conv; each output row in chunks of 64 int32 sums */
static void k_q_conv(const k_i8 *x, int cin, int h, int w, int off, k_i8 *y,
		     int cout, int oh, int ow, int k, int stride, int pad, int dil,
		     int groups, const k_i8 *wt, const float *mult, const float *add)
{
	int cg = cin / groups, og = cout / groups, oc, ic, ky, kx, oy, ox, c0, n;
	int eh, ew, acc[64];

	if (k == 1 && stride == 1 && pad == 0 && off == 0) {
		w = ow = oh * ow;      /* pointwise: the plane is one long row */
		h = oh = 1;
	}
	eh = h - off;
	ew = w - off;
	for (oc = 0; oc < cout; oc++) {
		const k_i8 *xg = x + (oc / og) * cg * h * w;

		for (oy = 0; oy < oh; oy++)
			for (c0 = 0; c0 < ow; c0 += n) {
				n = ow - c0 < 64 ? ow - c0 : 64;
				for (ox = 0; ox < n; ox++)
					acc[ox] = 0;
				for (ic = 0; ic < cg; ic++)
					for (ky = 0; ky < k; ky++) {
						int iy = oy * stride + ky * dil - pad;

						if (iy < 0 || iy >= eh)
							continue;
						for (kx = 0; kx < k; kx++) {
							int wv = wt[((oc * cg + ic) * k + ky) * k + kx];
							int x0, x1, bx = kx * dil - pad;
							const k_i8 *xr = xg + ic * h * w + (iy + off) * w + off;

							k_range(ow, stride, bx, ew, &x0, &x1);
							if (x0 < c0)
								x0 = c0;
							if (x1 > c0 + n)
								x1 = c0 + n;
							for (ox = x0; ox < x1; ox++)
								acc[ox - c0] += wv * xr[ox * stride + bx];
						}
					}
				for (ox = 0; ox < n; ox++)
					y[(oc * oh + oy) * ow + c0 + ox] =
						k_sat((float)acc[ox] * mult[oc] + add[oc]);
			}
	}
}

/* int8 linear layer; logits (yf not null) in float, else int8 */
static void k_q_linear(const k_i8 *x, int cin, float *yf, k_i8 *yq, int cout,
		       const k_i8 *wt, const float *mult, const float *add)
{
	int o, i;

	for (o = 0; o < cout; o++) {
		int acc = 0;

		for (i = 0; i < cin; i++)
			acc += wt[o * cin + i] * x[i];
		if (yf)
			yf[o] = (float)acc * mult[o] + add[o];
		else
			yq[o] = k_sat((float)acc * mult[o] + add[o]);
	}
}

/* y = sat(x * m): the same values at another scale (relu's and max
 * pooling's output keep their input's scale, so there m is 1 and this is
 * a copy; a concatenation's parts, identity ops) */
static void k_q_rescale(const k_i8 *x, k_i8 *y, int n, float m)
{
	int i;

	for (i = 0; i < n; i++)
		y[i] = m == 1.0f ? x[i] : k_sat((float)x[i] * m);
}

static void k_q_relu(const k_i8 *x, k_i8 *y, int n)
{
	int i;

	for (i = 0; i < n; i++)
		y[i] = x[i] > 0 ? x[i] : 0;
}

/* max pooling keeps the scale (m unused); average pooling sums in int and
 * requantizes: y = sat(sum / count * m), padding left out */
static void k_q_pool(const k_i8 *x, int c, int h, int w, k_i8 *y, int oh, int ow,
		     int k, int stride, int pad, int is_max, float m)
{
	int i, oy, ox, ky, kx;

	for (i = 0; i < c; i++)
		for (oy = 0; oy < oh; oy++)
			for (ox = 0; ox < ow; ox++) {
				int acc = 0, n = 0;

				for (ky = 0; ky < k; ky++) {
					int iy = oy * stride - pad + ky;

					if (iy < 0 || iy >= h)
						continue;
					for (kx = 0; kx < k; kx++) {
						int ix = ox * stride - pad + kx, v;

						if (ix < 0 || ix >= w)
							continue;
						v = x[(i * h + iy) * w + ix];
						if (is_max)
							acc = n == 0 || v > acc ? v : acc;
						else
							acc += v;
						n++;
					}
				}
				y[(i * oh + oy) * ow + ox] = is_max ? (k_i8)acc :
					k_sat(n ? (float)acc / (float)n * m : 0.0f);
			}
}

static void k_q_global_avgpool(const k_i8 *x, int c, int hw, k_i8 *y, float m)
{
	int i, p;

	for (i = 0; i < c; i++) {
		int s = 0;

		for (p = 0; p < hw; p++)
			s += x[i * hw + p];
		y[i] = k_sat((float)s / (float)hw * m);
	}
}

/* y = sat(a * ma + b * mb) (an n-input sum: then y = sat(y + next * m)) */
static void k_q_add(const k_i8 *a, float ma, const k_i8 *b, float mb, k_i8 *y, int n)
{
	int i;

	for (i = 0; i < n; i++)
		y[i] = k_sat((float)a[i] * ma + (float)b[i] * mb);
}

static void k_q_zero(k_i8 *y, int n)
{
	int i;

	for (i = 0; i < n; i++)
		y[i] = 0;
}

/* float values of an int8 tensor: the logits when no linear layer ends
 * the network */
static void k_q_dequant(const k_i8 *x, float *y, int n, float s)
{
	int i;

	for (i = 0; i < n; i++)
		y[i] = (float)x[i] * s;
}
