/* dcanas — export a network as an ONNX model (opset 13).
 *
 * The model is built with the message types protobuf-c generates from
 * ONNX's own schema (Debian's libonnx-dev onnx.proto; onnx.pb-c.c is made
 * at build time) and written with protobuf-c's packer: no hand-rolled
 * encoder. One ONNX node (or two: a Slice before an offset convolution, a
 * Flatten before a linear layer) per step of the deployed schedule. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

#include "../atomic_file.h"
#include "program.h"

#define OPSET 13
#define IR_VERSION 7     /* the IR version of opset 13 (ONNX 1.8) */

typedef struct builder {
	const dca_export_net *x;
	void **blocks;           /* everything allocated, freed at the end */
	size_t n_blocks, cap_blocks;
	Onnx__GraphProto graph;
	size_t cap_node, cap_init;
	int oom;
} builder;

static void *zalloc(builder *b, size_t n)
{
	void *p;

	if (b->oom)
		return NULL;
	if (b->n_blocks == b->cap_blocks) {
		size_t cap = b->cap_blocks ? 2 * b->cap_blocks : 256;
		void **q = realloc(b->blocks, cap * sizeof *q);
		if (!q) {
			b->oom = 1;
			return NULL;
		}
		b->blocks = q;
		b->cap_blocks = cap;
	}
	if (!(p = calloc(1, n ? n : 1))) {
		b->oom = 1;
		return NULL;
	}
	return b->blocks[b->n_blocks++] = p;
}

static char *str(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *str(builder *b, const char *fmt, ...)
{
	char buf[128], *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if ((s = zalloc(b, strlen(buf) + 1)))
		strcpy(s, buf);
	return s;
}

/* append p to the list *v of *n items with capacity *cap */
static void push(builder *b, void ***v, size_t *n, size_t *cap, void *p)
{
	if (!p || b->oom)
		return;
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		void **q = realloc(*v, c * sizeof *q);
		if (!q) {
			b->oom = 1;
			return;
		}
		*v = q;
		*cap = c;
	}
	(*v)[(*n)++] = p;
}

/* the ONNX name of tensor t */
static char *tname(builder *b, int t)
{
	if (t == b->x->net->output)
		return str(b, "logits");
	return str(b, "t%d", t);
}

static Onnx__NodeProto *node(builder *b, const char *op_type, int n_in,
			     char *const *in, char *out)
{
	Onnx__NodeProto *n = zalloc(b, sizeof *n);
	int i;

	if (!n)
		return NULL;
	onnx__node_proto__init(n);
	n->op_type = str(b, "%s", op_type);
	n->name = str(b, "%s_%zu", op_type, b->graph.n_node);
	n->input = zalloc(b, (size_t)n_in * sizeof *n->input);
	n->output = zalloc(b, sizeof *n->output);
	if (b->oom)
		return NULL;
	for (i = 0; i < n_in; i++)
		n->input[i] = in[i];
	n->n_input = (size_t)n_in;
	n->output[0] = out;
	n->n_output = 1;
	push(b, (void ***)&b->graph.node, &b->graph.n_node, &b->cap_node, n);
	return b->oom ? NULL : n;
}

/* a new attribute NAME appended to node n, or NULL */
static Onnx__AttributeProto *attr_new(builder *b, Onnx__NodeProto *n, const char *name)
{
	Onnx__AttributeProto *a = zalloc(b, sizeof *a), **list;

	if (!n || !a || !(list = zalloc(b, (n->n_attribute + 1) * sizeof *list)))
		return NULL;
	onnx__attribute_proto__init(a);
	a->name = str(b, "%s", name);
	a->has_type = 1;
	if (n->n_attribute)
		memcpy(list, n->attribute, n->n_attribute * sizeof *list);
	list[n->n_attribute++] = a;
	n->attribute = list;
	return a;
}

static void attr_ints(builder *b, Onnx__NodeProto *n, const char *name, int count,
		      const int64_t *v)
{
	Onnx__AttributeProto *a = attr_new(b, n, name);

	if (!a || !(a->ints = zalloc(b, (size_t)count * sizeof *a->ints)))
		return;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
	memcpy(a->ints, v, (size_t)count * sizeof *a->ints);
	a->n_ints = (size_t)count;
}

static void attr_int(builder *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = attr_new(b, n, name);

	if (!a)
		return;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	a->has_i = 1;
	a->i = v;
}

static void attr_float(builder *b, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = attr_new(b, n, name);

	if (!a)
		return;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
	a->has_f = 1;
	a->f = v;
}

/* a constant: float data (borrowed, must outlive the packing) or int64 */
static char *constant(builder *b, char *name, int n_dims, const int64_t *dims,
		      const float *f, const int64_t *i64, size_t count)
{
	Onnx__TensorProto *t = zalloc(b, sizeof *t);

	if (!t)
		return NULL;
	onnx__tensor_proto__init(t);
	t->name = name;
	t->dims = zalloc(b, (size_t)(n_dims ? n_dims : 1) * sizeof *t->dims);
	if (!t->dims)
		return NULL;
	memcpy(t->dims, dims, (size_t)n_dims * sizeof *t->dims);
	t->n_dims = (size_t)n_dims;
	t->has_data_type = 1;
	if (f) {
		t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
		t->float_data = (float *)f;
		t->n_float_data = count;
	} else {
		t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
		t->int64_data = (int64_t *)i64;
		t->n_int64_data = count;
	}
	push(b, (void ***)&b->graph.initializer, &b->graph.n_initializer,
	     &b->cap_init, t);
	return name;
}

/* y = x * scale + shift per channel, as ONNX's BatchNormalization with
 * mean 0, variance 1 and epsilon 0 (runtimes know it well) */
static void scale_shift(builder *b, char *x, char *y, char *scale_name,
			const float *scale, char *shift_name, const float *shift, int c)
{
	float *zeros = zalloc(b, (size_t)c * sizeof *zeros);
	float *ones = zalloc(b, (size_t)c * sizeof *ones);
	int64_t d = c;
	char *in[5];
	Onnx__NodeProto *n;
	int i;

	if (!zeros || !ones)
		return;
	for (i = 0; i < c; i++)
		ones[i] = 1.0f;
	in[0] = x;
	in[1] = constant(b, scale_name, 1, &d, scale, NULL, (size_t)c);
	in[2] = constant(b, shift_name, 1, &d, shift, NULL, (size_t)c);
	in[3] = constant(b, str(b, "%s_mean0", scale_name), 1, &d, zeros, NULL, (size_t)c);
	in[4] = constant(b, str(b, "%s_var1", scale_name), 1, &d, ones, NULL, (size_t)c);
	n = node(b, "BatchNormalization", 5, in, y);
	attr_float(b, n, "epsilon", 0.0f);
}

static Onnx__ValueInfoProto *value_info(builder *b, const char *name, int n_dims,
					const int64_t *dims)
{
	Onnx__ValueInfoProto *v = zalloc(b, sizeof *v);
	Onnx__TypeProto *tp = zalloc(b, sizeof *tp);
	Onnx__TypeProto__Tensor *tt = zalloc(b, sizeof *tt);
	Onnx__TensorShapeProto *sh = zalloc(b, sizeof *sh);
	Onnx__TensorShapeProto__Dimension **dim = zalloc(b, (size_t)n_dims * sizeof *dim);
	int i;

	if (!v || !tp || !tt || !sh || !dim)
		return NULL;
	onnx__value_info_proto__init(v);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(sh);
	for (i = 0; i < n_dims; i++) {
		if (!(dim[i] = zalloc(b, sizeof **dim)))
			return NULL;
		onnx__tensor_shape_proto__dimension__init(dim[i]);
		if (dims[i] < 0) {      /* the batch: symbolic */
			dim[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			dim[i]->dim_param = str(b, "N");
		} else {
			dim[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			dim[i]->dim_value = dims[i];
		}
	}
	sh->dim = dim;
	sh->n_dim = (size_t)n_dims;
	tt->has_elem_type = 1;
	tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	tt->shape = sh;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	v->type = tp;
	v->name = str(b, "%s", name);
	return v;
}

/* x[:, :, off::step, off::step] */
static char *slice(builder *b, size_t i, char *x, int off, int step)
{
	static const int64_t big = INT64_MAX, axes[2] = { 2, 3 };
	int64_t *v = zalloc(b, 8 * sizeof *v), two = 2;
	char *in[5];

	if (!v)
		return NULL;
	v[0] = v[1] = off;
	v[2] = v[3] = big;
	v[4] = axes[0];
	v[5] = axes[1];
	v[6] = v[7] = step;
	in[0] = x;
	in[1] = constant(b, str(b, "s%zu_starts", i), 1, &two, NULL, v, 2);
	in[2] = constant(b, str(b, "s%zu_ends", i), 1, &two, NULL, v + 2, 2);
	in[3] = constant(b, str(b, "s%zu_axes", i), 1, &two, NULL, v + 4, 2);
	in[4] = constant(b, str(b, "s%zu_steps", i), 1, &two, NULL, v + 6, 2);
	x = str(b, "s%zu_sliced", i);
	node(b, "Slice", 5, in, x);
	return x;
}

static int add_step(builder *b, size_t i, dca_error *err)
{
	const dcap_xstep *s = &b->x->steps[i];
	const dca_op_desc *op = s->op;
	char *in[4], *out = tname(b, s->out), *x = tname(b, op->in[0]);
	Onnx__NodeProto *n = NULL;
	int64_t k2[2] = { op->kernel, op->kernel }, st[2] = { op->stride, op->stride };
	int64_t pads[4] = { op->pad, op->pad, op->pad, op->pad };
	int j;

	switch (op->kind) {
	case DCA_OP_CONV: {
		int64_t d[4] = { op->cout, op->cin / op->groups, op->kernel, op->kernel };
		int64_t dil[2] = { op->dilation, op->dilation };
		in[0] = s->offset ? slice(b, i, x, s->offset, 1) : x;
		in[1] = constant(b, str(b, "w%zu", i), 4, d, s->w, NULL, s->n_w);
		if (s->b) {
			int64_t db = op->cout;
			in[2] = constant(b, str(b, "b%zu", i), 1, &db, s->b, NULL, s->n_b);
		}
		n = node(b, "Conv", s->b ? 3 : 2, in, out);
		attr_ints(b, n, "kernel_shape", 2, k2);
		attr_ints(b, n, "strides", 2, st);
		attr_ints(b, n, "pads", 4, pads);
		attr_ints(b, n, "dilations", 2, dil);
		attr_int(b, n, "group", op->groups);
		break;
	}
	case DCA_OP_LINEAR: {
		int64_t d[2] = { op->cout, op->cin }, db = op->cout;
		in[0] = str(b, "s%zu_flat", i);
		n = node(b, "Flatten", 1, &x, in[0]);
		attr_int(b, n, "axis", 1);
		in[1] = constant(b, str(b, "w%zu", i), 2, d, s->w, NULL, s->n_w);
		if (s->b)
			in[2] = constant(b, str(b, "b%zu", i), 1, &db, s->b, NULL, s->n_b);
		n = node(b, "Gemm", s->b ? 3 : 2, in, out);
		attr_int(b, n, "transB", 1);
		break;
	}
	case DCA_OP_BATCHNORM:
		/* not folded (its input is not a convolution's alone) */
		scale_shift(b, x, out, str(b, "w%zu", i), s->w, str(b, "b%zu", i), s->b,
			    op->cin);
		break;
	case DCA_OP_RELU:
		node(b, "Relu", 1, &x, out);
		break;
	case DCA_OP_MAXPOOL:
	case DCA_OP_AVGPOOL:
		n = node(b, op->kind == DCA_OP_MAXPOOL ? "MaxPool" : "AveragePool", 1,
			 &x, out);
		attr_ints(b, n, "kernel_shape", 2, k2);
		attr_ints(b, n, "strides", 2, st);
		attr_ints(b, n, "pads", 4, pads);
		if (op->kind == DCA_OP_AVGPOOL)
			attr_int(b, n, "count_include_pad", 0);
		break;
	case DCA_OP_GLOBAL_AVGPOOL:
		node(b, "GlobalAveragePool", 1, &x, out);
		break;
	case DCA_OP_ADD:
		if (op->n_in == 1) {
			node(b, "Identity", 1, &x, out);
			break;
		}
		in[0] = x;
		for (j = 1; j < op->n_in; j++) {
			in[1] = tname(b, op->in[j]);
			node(b, "Add", 2, in, j + 1 < op->n_in ? str(b, "s%zu_sum%d", i, j) : out);
			in[0] = b->graph.n_node ? b->graph.node[b->graph.n_node - 1]->output[0] : NULL;
		}
		break;
	case DCA_OP_CONCAT: {
		char *ins[DCA_OP_MAX_INPUTS];
		for (j = 0; j < op->n_in; j++)
			ins[j] = tname(b, op->in[j]);
		n = node(b, "Concat", op->n_in, ins, out);
		attr_int(b, n, "axis", 1);
		break;
	}
	case DCA_OP_ZERO: {
		static const float zero = 0.0f;
		if (op->cout != op->cin)
			return dca_error_set(err, DCA_ERR_UNSUPPORTED, "onnx: a zero op "
					     "that changes channels (%d to %d) is not "
					     "supported", op->cin, op->cout);
		in[0] = op->stride > 1 ? slice(b, i, x, 0, op->stride) : x;
		int64_t one = 1;
		in[1] = constant(b, str(b, "s%zu_zero", i), 1, &one, &zero, NULL, 1);
		node(b, "Mul", 2, in, out);
		break;
	}
	case DCA_OP_IDENTITY:
		node(b, "Identity", 1, &x, out);
		break;
	default:
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "onnx: op kind %s is "
				     "not supported", dca_op_kind_name(op->kind));
	}
	return 0;
}

int dca_export_onnx(const dca_export_net *x, const char *path, const char *doc,
		    dca_error *err)
{
	const dca_net *net = x->net;
	const dca_tensor_desc *ti = &net->tensors[net->input];
	builder b;
	Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
	Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opsets[1];
	Onnx__ValueInfoProto *in_vi, *out_vi;
	int64_t in_dims[4] = { -1, ti->c, ti->h, ti->w };
	int64_t out_dims[2] = { -1, dcap_tensor_floats(net, net->output) };
	uint8_t *buf = NULL;
	size_t i, len;
	dcap_atomic_file af;
	int rc = -1;

	if (x->tscale)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "onnx: an int8 network "
				     "is exported as C only (--format c)");
	memset(&b, 0, sizeof b);
	b.x = x;
	onnx__graph_proto__init(&b.graph);
	b.graph.name = str(&b, "dcanas");
	/* the input normalisation: image * scale + shift */
	scale_shift(&b, str(&b, "image"), tname(&b, net->input), str(&b, "input_scale"),
		    x->in_scale, str(&b, "input_shift"), x->in_shift, ti->c);
	for (i = 0; i < x->n_steps && !b.oom; i++)
		if (add_step(&b, i, err))
			goto out;
	in_vi = value_info(&b, "image", 4, in_dims);
	out_vi = value_info(&b, "logits", 2, out_dims);
	if (b.oom || !in_vi || !out_vi) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	b.graph.input = &in_vi;
	b.graph.n_input = 1;
	b.graph.output = &out_vi;
	b.graph.n_output = 1;
	opset.domain = "";
	opset.has_version = 1;
	opset.version = OPSET;
	opsets[0] = &opset;
	m.has_ir_version = 1;
	m.ir_version = IR_VERSION;
	m.opset_import = opsets;
	m.n_opset_import = 1;
	m.producer_name = "dcanas";
	m.producer_version = PACKAGE_VERSION;
	m.doc_string = (char *)(doc ? doc : "");
	m.graph = &b.graph;
	len = onnx__model_proto__get_packed_size(&m);
	if (!(buf = malloc(len ? len : 1))) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory (%zu bytes)", len);
		goto out;
	}
	onnx__model_proto__pack(&m, buf);
	if (dcap_atomic_open(&af, path, err))
		goto out;
	rc = dcap_atomic_commit(&af, fwrite(buf, 1, len, af.f) != len, err) ? -1 : 0;
out:
	free(buf);
	for (i = 0; i < b.n_blocks; i++)
		free(b.blocks[i]);
	free(b.blocks);
	free(b.graph.node);
	free(b.graph.initializer);
	return rc;
}
