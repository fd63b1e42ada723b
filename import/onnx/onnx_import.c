/* ONNX ModelProto -> relay_like module.
 *
 * The graph is read in one walk over its nodes, which ONNX requires to be
 * topologically sorted: every input name must already be bound to an
 * expression (graph input, initializer, or an earlier node's output).  Each
 * node becomes one relay_like call; its outputs are the call itself for ops
 * with one output (max_out == 1), else tuple_get(call, i).  Older opsets are
 * rewritten into relay_like's (newest-opset) semantics by onnx_opset.c
 * before the node's attributes are parsed by the generic, table-driven
 * parser in onnx_attrs.c.
 *
 * Everything protobuf-c hands over is untrusted: strings may be NULL, counts
 * zero, names duplicated; each case is an error with the node and op in the
 * message, never a crash. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "onnx_internal.h"

sb_status onnx_node_error(const onnx_node *n, sb_status code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *op = n->proto->op_type && *n->proto->op_type ? n->proto->op_type : "?";
	const char *name = n->proto->name;
	if (name && *name)
		return sb_set_error(code, "node '%s' (%s, opset %" PRId64 "): %s", name, op,
				    n->opset, msg);
	return sb_set_error(code, "node #%d (%s, opset %" PRId64 "): %s", n->index, op, n->opset,
			    msg);
}

static bool is_onnx_domain(const char *domain)
{
	return !domain || !*domain || !strcmp(domain, "ai.onnx");
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- Constants the rules add ---- */

sb_status onnx_const_ints(onnx_importer *imp, int count, const int64_t *v, relay_expr **out)
{
	int64_t shape = count;
	sb_tensor *t = sb_tensor_new(SB_I64, 1, &shape);
	if (!t)
		return SB_ERR_NOMEM;
	if (count)
		memcpy(sb_tensor_data(t), v, sizeof(int64_t) * (size_t)count);
	*out = relay_constant(imp->mod, t);
	return SB_OK;
}

sb_status onnx_const_floats(onnx_importer *imp, int count, const float *v, relay_expr **out)
{
	int64_t shape = count;
	sb_tensor *t = sb_tensor_new(SB_F32, 1, &shape);
	if (!t)
		return SB_ERR_NOMEM;
	if (count)
		memcpy(sb_tensor_data(t), v, sizeof(float) * (size_t)count);
	*out = relay_constant(imp->mod, t);
	return SB_OK;
}

/* ---- Types ---- */

/* The relay_like type of a ValueInfoProto; `what` names it in errors. */
static sb_status value_type(onnx_importer *imp, const Onnx__ValueInfoProto *vi, const char *what,
			    const relay_type **out)
{
	const char *name = str_or_empty(vi->name);
	const Onnx__TypeProto *tp = vi->type;
	if (!tp || tp->value_case == ONNX__TYPE_PROTO__VALUE__NOT_SET)
		return sb_set_error(SB_ERR_INVALID, "%s '%s' has no type", what, name);
	if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "%s '%s' is not a dense tensor (sequence, map, optional and "
				    "sparse values are not supported)",
				    what, name);
	const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
	if (!tt || !tt->has_elem_type || !tt->elem_type)
		return sb_set_error(SB_ERR_INVALID, "%s '%s' has no element type", what, name);
	sb_dtype dt = sb_onnx_dtype(tt->elem_type);
	if (dt == SB_DT_INVALID)
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "%s '%s' has element type %d (%s), which is "
				    "not supported",
				    what, name, (int)tt->elem_type,
				    onnx_dtype_code_name(tt->elem_type));
	if (!tt->shape) {
		*out = relay_type_tensor(imp->mod, dt, -1, NULL);
		return SB_OK;
	}
	if (tt->shape->n_dim > SB_MAX_RANK)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s '%s' has rank %zu, more than %d", what,
				    name, tt->shape->n_dim, SB_MAX_RANK);
	int rank = (int)tt->shape->n_dim;
	relay_dim dims[SB_MAX_RANK];
	for (int i = 0; i < rank; i++) {
		const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
		dims[i] = RELAY_DIM_UNKNOWN;
		if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
			if (d->dim_value < 0)
				return sb_set_error(SB_ERR_INVALID,
						    "%s '%s' has negative dim %" PRId64
						    " at index %d",
						    what, name, d->dim_value, i);
			dims[i] = relay_dim_known(d->dim_value);
		} else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
			   d->dim_param && *d->dim_param) {
			dims[i].name = relay_intern(imp->mod, d->dim_param);
		}
	}
	*out = relay_type_tensor(imp->mod, dt, rank, dims);
	return SB_OK;
}

sb_tensor *onnx_known_value(const relay_expr *e)
{
	if (!e)
		return NULL;
	if (e->kind == RELAY_CONSTANT)
		return e->u.constant.value;
	if (e->kind == RELAY_CALL && e->u.call.op == RELAY_OP_CONSTANT)
		return ((const relay_attrs_constant *)e->u.call.attrs)->value;
	return NULL;
}

const relay_type *onnx_known_type(onnx_importer *imp, const relay_expr *e, const char *name)
{
	if (e && (e->kind == RELAY_VAR || e->kind == RELAY_CONSTANT) && e->type)
		return e->type;
	sb_tensor *v = onnx_known_value(e);
	if (v)
		return relay_type_from_shape(imp->mod, v->dtype, v->dl.ndim, v->shape);
	const Onnx__ValueInfoProto *vi =
	    name && *name ? sb_map_lookup(&imp->value_info, (uintptr_t)relay_intern(imp->mod, name))
			  : NULL;
	const relay_type *t;
	if (vi && value_type(imp, vi, "value", &t) == SB_OK)
		return t;
	return NULL;
}

/* ---- Nodes ---- */

const char *onnx_node_input_name(const onnx_node *n, int i)
{
	if (i < 0 || (size_t)i >= n->proto->n_input)
		return "";
	return str_or_empty(n->proto->input[i]);
}

sb_status onnx_node_set_input(onnx_node *n, int i, relay_expr *e, const char *attr)
{
	SB_ASSERT(i >= 0 && i < n->cap);
	if (i < n->nargs && n->args[i])
		return onnx_node_error(n, SB_ERR_INVALID,
				       "attribute '%s' and input %d give the same operand", attr,
				       i);
	while (n->nargs <= i)
		n->args[n->nargs++] = NULL;
	n->args[i] = e;
	return SB_OK;
}

static sb_status node_check_attr_names(onnx_node *n)
{
	const Onnx__NodeProto *np = n->proto;
	sb_map seen; /* interned name -> itself: linear even for hostile counts */
	sb_map_init(&seen);
	sb_status s = SB_OK;
	for (size_t i = 0; i < np->n_attribute && !s; i++) {
		const char *a = np->attribute[i]->name;
		if (!a || !*a) {
			s = onnx_node_error(n, SB_ERR_INVALID, "attribute %zu has no name", i);
			break;
		}
		const char *key = relay_intern(n->imp->mod, a);
		if (sb_map_lookup(&seen, (uintptr_t)key))
			s = onnx_node_error(n, SB_ERR_INVALID, "attribute '%s' is given twice", a);
		sb_map_put(&seen, (uintptr_t)key, (void *)key);
	}
	sb_map_free(&seen);
	return s;
}

static sb_status node_bind_inputs(onnx_node *n)
{
	const Onnx__NodeProto *np = n->proto;
	relay_module *m = n->imp->mod;
	if (np->n_input > INT32_MAX - 16)
		return onnx_node_error(n, SB_ERR_INVALID, "too many inputs");
	/* Room for the inputs that legacy attributes turn into. */
	n->cap = (int)np->n_input + 8;
	n->args = SB_ARENA_ARRAY(&m->arena, relay_expr *, n->cap);
	n->nargs = (int)np->n_input;
	for (int i = 0; i < n->nargs; i++) {
		const char *name = np->input[i];
		if (!name || !*name)
			continue; /* absent optional input */
		relay_expr *e = sb_map_lookup(&n->imp->values, (uintptr_t)relay_intern(m, name));
		if (!e)
			return onnx_node_error(n, SB_ERR_INVALID,
					       "input %d '%s' is not defined by a graph input, an "
					       "initializer or an earlier node",
					       i, name);
		n->args[i] = e;
	}
	return SB_OK;
}

static sb_status node_check_arity(onnx_node *n)
{
	const relay_op_info *info = n->info;
	while (n->nargs > 0 && !n->args[n->nargs - 1])
		n->nargs--;
	if (n->nargs < info->min_in || (info->max_in >= 0 && n->nargs > info->max_in)) {
		if (info->max_in < 0)
			return onnx_node_error(n, SB_ERR_INVALID,
					       "has %d inputs, %s takes at least %d", n->nargs,
					       info->name, info->min_in);
		return onnx_node_error(n, SB_ERR_INVALID, "has %d inputs, %s takes %d to %d",
				       n->nargs, info->name, info->min_in, info->max_in);
	}
	for (int i = 0; i < info->min_in; i++)
		if (!n->args[i])
			return onnx_node_error(n, SB_ERR_INVALID, "required input %d is missing",
					       i);
	if (n->nout < info->min_out || (info->max_out >= 0 && n->nout > info->max_out)) {
		if (info->max_out < 0)
			return onnx_node_error(n, SB_ERR_INVALID,
					       "has %d outputs, %s gives at least %d", n->nout,
					       info->name, info->min_out);
		return onnx_node_error(n, SB_ERR_INVALID, "has %d outputs, %s gives %d to %d",
				       n->nout, info->name, info->min_out, info->max_out);
	}
	return SB_OK;
}

static sb_status import_node(onnx_importer *imp, const Onnx__NodeProto *np, int index)
{
	relay_module *m = imp->mod;
	onnx_node n = {.imp = imp, .proto = np, .index = index, .opset = imp->opset};
	if (!np->op_type || !*np->op_type)
		return onnx_node_error(&n, SB_ERR_INVALID, "node has no op_type");
	n.op = relay_op_lookup(np->op_type);
	SB_ASSERT(n.op != RELAY_OP_COUNT); /* the unsupported-op scan ran first */
	n.info = relay_op_get(n.op);
	sb_status s;
	if ((s = node_check_attr_names(&n)) || (s = node_bind_inputs(&n)))
		return s;
	if (np->n_output > INT32_MAX)
		return onnx_node_error(&n, SB_ERR_INVALID, "too many outputs");
	n.nout = (int)np->n_output;
	while (n.nout > 0 && !(np->output[n.nout - 1] && *np->output[n.nout - 1]))
		n.nout--; /* trailing optional outputs that are not wanted */
	if (n.nout == 0)
		return onnx_node_error(&n, SB_ERR_INVALID, "node has no outputs");
	n.used = SB_ARENA_ARRAY(&m->arena, bool, np->n_attribute ? np->n_attribute : 1);
	n.attrs = relay_attrs_new(m, n.info->attrs);

	if ((s = onnx_opset_normalize(&n)) || (s = onnx_node_parse_attrs(&n)) ||
	    (s = onnx_node_check_leftover(&n)) || (s = onnx_opset_validate(&n)) ||
	    (s = node_check_arity(&n)))
		return s;

	const char *name = np->name && *np->name ? np->name : NULL;
	relay_expr *call;
	const sb_tensor *value = n.op == RELAY_OP_CONSTANT ? ((const relay_attrs_constant *)n.attrs)->value : NULL;
	if (value) {
		/* A Constant node is a constant: later stages see its value
		 * (type relations that read a shape, FoldConstant) directly. */
		call = relay_constant(m, sb_tensor_retain((sb_tensor *)value));
		call->name = relay_intern(m, name);
	} else {
		call = relay_call(m, n.op, n.nargs, n.args, n.attrs, n.nout, name);
	}
	for (int i = 0; i < n.nout; i++) {
		const char *out = np->output[i];
		if (!out || !*out)
			continue;
		const char *key = relay_intern(m, out);
		if (sb_map_lookup(&imp->values, (uintptr_t)key))
			return onnx_node_error(
			    &n, SB_ERR_INVALID,
			    "output %d '%s' is already defined (tensor names must be "
			    "unique)",
			    i, out);
		relay_expr *e = n.info->max_out == 1 ? call : relay_tuple_get(m, call, i);
		sb_map_put(&imp->values, (uintptr_t)key, e);
	}
	return SB_OK;
}

/* ---- Graph ---- */

static int64_t domain_opset(const Onnx__ModelProto *mp, const char *domain)
{
	for (size_t i = 0; i < mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = mp->opset_import[i];
		if (!strcmp(str_or_empty(o->domain), str_or_empty(domain)))
			return o->has_version ? o->version : 0;
	}
	return 0;
}

/* Every op the table lacks, counted per (domain, op, opset), reported in
 * one error so a user sees the whole gap at once. */
static sb_status check_unsupported_ops(onnx_importer *imp, const Onnx__ModelProto *mp)
{
	typedef struct {
		const char *name; /* "Op", or "domain.Op" outside ai.onnx */
		int64_t opset;
		int count;
	} gap;
	SB_VEC(gap) gaps = {0};
	sb_map index; /* interned "domain.op" -> gap index + 1 */
	sb_map_init(&index);
	const Onnx__GraphProto *g = imp->graph;
	for (size_t i = 0; i < g->n_node; i++) {
		const Onnx__NodeProto *np = g->node[i];
		if (!np->op_type || !*np->op_type)
			continue; /* reported when the node is imported */
		bool onnx = is_onnx_domain(np->domain);
		if (onnx && relay_op_lookup(np->op_type) != RELAY_OP_COUNT)
			continue;
		const char *domain = onnx ? "" : np->domain;
		char *name = sb_xasprintf("%s%s%s", domain, *domain ? "." : "", np->op_type);
		const char *key = relay_intern(imp->mod, name);
		free(name);
		size_t k = (size_t)(uintptr_t)sb_map_lookup(&index, (uintptr_t)key);
		if (!k) {
			int64_t opset = onnx ? imp->opset : domain_opset(mp, domain);
			sb_vec_push(&gaps, ((gap){key, opset, 0}));
			k = gaps.len;
			sb_map_put(&index, (uintptr_t)key, (void *)(uintptr_t)k);
		}
		gaps.data[k - 1].count++;
	}
	sb_map_free(&index);
	if (!gaps.len)
		return SB_OK;
	sb_strbuf b = {0};
	sb_strbuf_puts(&b, "unsupported ops: ");
	for (size_t k = 0; k < gaps.len; k++) {
		const gap *x = &gaps.data[k];
		sb_strbuf_printf(&b, "%s%s (", k ? ", " : "", x->name);
		if (x->opset)
			sb_strbuf_printf(&b, "opset %" PRId64, x->opset);
		else
			sb_strbuf_puts(&b, "domain not imported");
		sb_strbuf_printf(&b, ", %d node%s)", x->count, x->count == 1 ? "" : "s");
	}
	sb_vec_free(&gaps);
	char *msg = sb_strbuf_take(&b);
	sb_status s = sb_set_error(SB_ERR_UNSUPPORTED, "%s", msg);
	free(msg);
	return s;
}

static sb_status find_opset(onnx_importer *imp, const Onnx__ModelProto *mp)
{
	bool found = false;
	for (size_t i = 0; i < mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = mp->opset_import[i];
		if (!is_onnx_domain(o->domain))
			continue;
		if (found)
			return sb_set_error(SB_ERR_INVALID,
					    "model imports the ai.onnx opset twice");
		if (!o->has_version || o->version < 1)
			return sb_set_error(SB_ERR_INVALID, "model imports ai.onnx opset %" PRId64,
					    o->has_version ? o->version : 0);
		imp->opset = o->version;
		found = true;
	}
	if (found)
		return SB_OK;
	/* Before IR version 3 a model could omit opset_import: opset 1. */
	if (mp->has_ir_version && mp->ir_version < 3) {
		imp->opset = 1;
		return SB_OK;
	}
	return sb_set_error(SB_ERR_INVALID, "model imports no ai.onnx opset (opset_import)");
}

static sb_status import_initializers(onnx_importer *imp)
{
	const Onnx__GraphProto *g = imp->graph;
	relay_module *m = imp->mod;
	if (g->n_sparse_initializer)
		return sb_set_error(SB_ERR_UNSUPPORTED, "sparse initializers are not supported");
	for (size_t i = 0; i < g->n_initializer; i++) {
		const Onnx__TensorProto *tp = g->initializer[i];
		if (!tp->name || !*tp->name)
			return sb_set_error(SB_ERR_INVALID, "initializer %zu has no name", i);
		const char *key = relay_intern(m, tp->name);
		if (sb_map_lookup(&imp->values, (uintptr_t)key))
			return sb_set_error(SB_ERR_INVALID, "initializer '%s' is given twice",
					    tp->name);
		sb_tensor *t;
		sb_status s = onnx_tensor_from_proto(tp, &t);
		if (s)
			return sb_error_prefix(s, "initializer %zu", i);
		relay_expr *c = relay_constant(m, t);
		c->name = key;
		sb_map_put(&imp->values, (uintptr_t)key, c);
	}
	return SB_OK;
}

typedef SB_VEC(relay_expr *) expr_vec;

static sb_status import_inputs(onnx_importer *imp, expr_vec *params)
{
	const Onnx__GraphProto *g = imp->graph;
	relay_module *m = imp->mod;
	for (size_t i = 0; i < g->n_input; i++) {
		const Onnx__ValueInfoProto *vi = g->input[i];
		if (!vi->name || !*vi->name)
			return sb_set_error(SB_ERR_INVALID, "graph input %zu has no name", i);
		const char *key = relay_intern(m, vi->name);
		relay_expr *prev = sb_map_lookup(&imp->values, (uintptr_t)key);
		if (prev && prev->kind == RELAY_CONSTANT)
			continue; /* an initializer: IR < 4 lists them as inputs too */
		if (prev)
			return sb_set_error(SB_ERR_INVALID, "graph input '%s' is given twice",
					    vi->name);
		const relay_type *t;
		sb_status s = value_type(imp, vi, "graph input", &t);
		if (s)
			return s;
		relay_expr *v = relay_var(m, vi->name, t);
		sb_map_put(&imp->values, (uintptr_t)key, v);
		sb_vec_push(params, v);
	}
	return SB_OK;
}

static sb_status import_graph(onnx_importer *imp, const Onnx__ModelProto *mp)
{
	relay_module *m = imp->mod;
	const Onnx__GraphProto *g = imp->graph;
	sb_status s;
	if ((s = check_unsupported_ops(imp, mp)))
		return s;
	/* value_info and output types: what legacy rules may need to know
	 * about a tensor's dtype or rank before type inference. */
	for (size_t i = 0; i < g->n_value_info + g->n_output; i++) {
		const Onnx__ValueInfoProto *vi =
		    i < g->n_value_info ? g->value_info[i] : g->output[i - g->n_value_info];
		if (vi->name && *vi->name)
			sb_map_put(&imp->value_info, (uintptr_t)relay_intern(m, vi->name),
				   (void *)vi);
	}
	expr_vec params = {0};
	if ((s = import_initializers(imp)) || (s = import_inputs(imp, &params)))
		goto done;
	if (g->n_node > INT32_MAX) {
		s = sb_set_error(SB_ERR_INVALID, "graph has too many nodes");
		goto done;
	}
	for (size_t i = 0; i < g->n_node; i++)
		if ((s = import_node(imp, g->node[i], (int)i)))
			goto done;
	if (!g->n_output) {
		s = sb_set_error(SB_ERR_INVALID, "graph has no outputs");
		goto done;
	}
	if (g->n_output > INT32_MAX) {
		s = sb_set_error(SB_ERR_INVALID, "graph has too many outputs");
		goto done;
	}
	int nres = (int)g->n_output;
	relay_expr **results = SB_ARENA_ARRAY(&m->arena, relay_expr *, nres);
	const char **names = SB_ARENA_ARRAY(&m->arena, const char *, nres);
	for (int i = 0; i < nres; i++) {
		const char *name = g->output[i]->name;
		if (!name || !*name) {
			s = sb_set_error(SB_ERR_INVALID, "graph output %d has no name", i);
			goto done;
		}
		results[i] = sb_map_lookup(&imp->values, (uintptr_t)relay_intern(m, name));
		if (!results[i]) {
			s = sb_set_error(SB_ERR_INVALID,
					 "graph output '%s' is not produced by any node, "
					 "graph input or initializer",
					 name);
			goto done;
		}
		names[i] = name;
	}
	/* relay_function_new copies `params` even when there are none */
	relay_expr *none[1] = {NULL};
	m->main = relay_function_new(m, "main", (int)params.len, params.len ? params.data : none,
				     nres, results, names);
	m->opset = imp->opset;
done:
	sb_vec_free(&params);
	return s;
}

sb_status sb_onnx_import_bytes(const uint8_t *data, size_t size, const char *what,
			       relay_module **out)
{
	*out = NULL;
	if (!what)
		what = "model";
	if (!data && size)
		return sb_set_error(SB_ERR_INVALID, "%s: no data", what);
	Onnx__ModelProto *mp =
	    onnx__model_proto__unpack(NULL, size, data ? data : (const uint8_t *)"");
	if (!mp)
		return sb_set_error(SB_ERR_INVALID,
				    "%s: not a valid ONNX model (protobuf decoding "
				    "failed: truncated or corrupted file?)",
				    what);
	onnx_importer imp = {.mod = relay_module_new(), .graph = mp->graph};
	sb_map_init(&imp.values);
	sb_map_init(&imp.value_info);
	sb_status s = find_opset(&imp, mp);
	if (!s && !imp.graph)
		s = sb_set_error(SB_ERR_INVALID, "model has no graph");
	if (!s)
		s = import_graph(&imp, mp);
	sb_map_free(&imp.values);
	sb_map_free(&imp.value_info);
	onnx__model_proto__free_unpacked(mp, NULL);
	if (s) {
		relay_module_free(imp.mod);
		return sb_error_prefix(s, "%s", what);
	}
	*out = imp.mod;
	return SB_OK;
}

sb_status sb_onnx_import_file(const char *path, relay_module **out)
{
	*out = NULL;
	uint8_t *data;
	size_t size;
	sb_status s = sb_read_file(path, &data, &size);
	if (s)
		return s;
	s = sb_onnx_import_bytes(data, size, path, out);
	free(data);
	return s;
}
