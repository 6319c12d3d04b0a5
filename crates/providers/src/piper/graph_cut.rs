//! Cuts a Piper (VITS) ONNX graph into three graphs at named tensors, at load time:
//! the encoder (phoneme ids → latent prior, frame mask, durations), the flow (prior →
//! latent) and the decoder (latent → audio). Running them apart lets the flow and the
//! decoder, which are convolutional, work on chunks of frames, so audio streams within a
//! sentence.
//!
//! The key decision: the cut works on the protobuf wire format, not on decoded messages.
//! To cut, only node input and output names are needed; every node, initializer and
//! type is copied byte for byte, so no ONNX field (known to us or not) can be lost, no
//! message definitions are maintained here, and the 60 MB of weights are copied once
//! instead of decoded and re-encoded. The walk follows node inputs back from the wanted
//! outputs, like `onnx.utils.Extractor`. A part's 1-D convolutions can be written as
//! 2-D ones on the way out ([`Convs`], [`super::conv2d`]), which ONNX Runtime runs faster.

use super::conv2d::{default_opset, Conv2d, AXES};
use super::wire::{field, fields, first_string, put_message, strings, Field, WIRE_LEN};
use std::collections::{HashMap, HashSet};

/// A node of the graph: its raw bytes and the names it reads and writes.
struct Node<'a> {
    payload: &'a [u8],
    inputs: Vec<&'a str>,
    outputs: Vec<&'a str>,
}

/// A model read far enough to be cut.
pub struct Graph<'a> {
    /// ModelProto fields other than the graph, copied into every part.
    model_fields: Vec<Field<'a>>,
    /// GraphProto fields that are not nodes, initializers, inputs, outputs, value infos.
    graph_fields: Vec<Field<'a>>,
    nodes: Vec<Node<'a>>,
    producer: HashMap<&'a str, usize>,
    initializers: HashMap<&'a str, &'a [u8]>,
    /// Graph inputs, outputs and value infos by name (ValueInfoProto payloads).
    value_infos: HashMap<&'a str, &'a [u8]>,
    inputs: Vec<&'a str>,
}

impl<'a> Graph<'a> {
    /// Reads a serialised ModelProto. Fails on malformed bytes, on sparse initializers
    /// and on control-flow subgraphs (whose outer-scope reads a name walk cannot see).
    pub fn parse(model: &'a [u8]) -> Result<Self, String> {
        let top = fields(model)?;
        let graph = top
            .iter()
            .find(|f| f.number == field::MODEL_GRAPH && f.wire == WIRE_LEN)
            .ok_or("the model has no graph")?
            .payload;
        let model_fields = top
            .into_iter()
            .filter(|f| f.number != field::MODEL_GRAPH)
            .collect();
        let mut g = Graph {
            model_fields,
            graph_fields: Vec::new(),
            nodes: Vec::new(),
            producer: HashMap::new(),
            initializers: HashMap::new(),
            value_infos: HashMap::new(),
            inputs: Vec::new(),
        };
        for f in fields(graph)? {
            match f.number {
                field::GRAPH_NODE => {
                    if has_subgraph(f.payload)? {
                        return Err("the graph has control-flow subgraphs".into());
                    }
                    let node = Node {
                        payload: f.payload,
                        inputs: strings(f.payload, field::NODE_INPUT)?,
                        outputs: strings(f.payload, field::NODE_OUTPUT)?,
                    };
                    for o in &node.outputs {
                        g.producer.insert(o, g.nodes.len());
                    }
                    g.nodes.push(node);
                }
                field::GRAPH_INITIALIZER => {
                    let name = first_string(f.payload, field::TENSOR_NAME)?.unwrap_or("");
                    g.initializers.insert(name, f.payload);
                }
                field::GRAPH_SPARSE_INITIALIZER => {
                    return Err("the graph has sparse initializers".into())
                }
                field::GRAPH_INPUT | field::GRAPH_OUTPUT | field::GRAPH_VALUE_INFO => {
                    let name = first_string(f.payload, field::VALUE_INFO_NAME)?.unwrap_or("");
                    g.value_infos.entry(name).or_insert(f.payload);
                    if f.number == field::GRAPH_INPUT {
                        g.inputs.push(name);
                    }
                }
                _ => g.graph_fields.push(f),
            }
        }
        Ok(g)
    }

    /// Returns true if and only if some node writes `name`.
    pub fn produces(&self, name: &str) -> bool {
        self.producer.contains_key(name)
    }

    /// A serialised model computing `outputs` from `inputs` (tensor names of this
    /// graph): the nodes and initializers the outputs depend on, in the original order,
    /// with its 1-D convolutions as they are or rewritten ([`Convs`]).
    /// Fails if an output depends on a name that is neither given, produced, an
    /// initializer, nor a graph input, or if a name has no type information.
    pub fn extract(
        &self,
        inputs: &[&str],
        outputs: &[&str],
        convs: Convs,
    ) -> Result<Vec<u8>, String> {
        let given: HashSet<&str> = inputs.iter().copied().collect();
        let mut nodes = HashSet::new();
        let mut used_inits = HashSet::new();
        let mut graph_inputs: Vec<&str> = Vec::new();
        let mut seen = HashSet::new();
        let mut todo: Vec<&str> = outputs.to_vec();
        while let Some(name) = todo.pop() {
            if name.is_empty() || !seen.insert(name) || given.contains(name) {
                continue;
            }
            if let Some(&n) = self.producer.get(name) {
                if nodes.insert(n) {
                    todo.extend(self.nodes[n].inputs.iter().copied());
                }
            } else if self.initializers.contains_key(name) {
                used_inits.insert(name);
            } else if self.inputs.contains(&name) {
                graph_inputs.push(name);
            } else {
                return Err(format!("{name:?} is not computable from {inputs:?}"));
            }
        }
        let info = |name: &str| {
            self.value_infos
                .get(name)
                .copied()
                .ok_or_else(|| format!("no type information for {name:?}"))
        };
        let mut graph = Vec::new();
        let mut ordered: Vec<usize> = nodes.into_iter().collect();
        ordered.sort_unstable();
        let conv2d = self.conv2d(convs)?;
        let mut rewritten = false;
        let mut produced = Vec::new();
        for &n in &ordered {
            let payload = self.nodes[n].payload;
            match conv2d.node(payload)? {
                Some(replacement) => {
                    for node in replacement {
                        put_message(&mut graph, field::GRAPH_NODE, &node);
                    }
                    rewritten = true;
                }
                None => put_message(&mut graph, field::GRAPH_NODE, payload),
            }
            produced.extend(self.nodes[n].outputs.iter().copied());
        }
        for f in &self.graph_fields {
            graph.extend_from_slice(f.raw);
        }
        let mut inits: Vec<&str> = used_inits.into_iter().collect();
        inits.sort_unstable();
        for name in inits {
            let tensor = self.initializers[name];
            match conv2d.initializer(name, tensor)? {
                Some(t) => put_message(&mut graph, field::GRAPH_INITIALIZER, &t),
                None => put_message(&mut graph, field::GRAPH_INITIALIZER, tensor),
            }
        }
        if rewritten {
            put_message(&mut graph, field::GRAPH_INITIALIZER, &Conv2d::axes());
        }
        // The original inputs first, in their order, then the cut points.
        let mut all_inputs: Vec<&str> = self
            .inputs
            .iter()
            .copied()
            .filter(|i| graph_inputs.contains(i))
            .collect();
        all_inputs.extend(inputs.iter().copied().filter(|i| seen.contains(i)));
        for name in all_inputs {
            put_message(&mut graph, field::GRAPH_INPUT, info(name)?);
        }
        for name in outputs {
            put_message(&mut graph, field::GRAPH_OUTPUT, info(name)?);
        }
        for name in produced {
            if !outputs.contains(&name) {
                if let Some(v) = self.value_infos.get(name) {
                    put_message(&mut graph, field::GRAPH_VALUE_INFO, v);
                }
            }
        }
        let mut model = Vec::with_capacity(graph.len() + 256);
        for f in &self.model_fields {
            model.extend_from_slice(f.raw);
        }
        put_message(&mut model, field::MODEL_GRAPH, &graph);
        Ok(model)
    }

    /// The rewrite `convs` asks for: none if the name of its axes is taken.
    fn conv2d(&self, convs: Convs) -> Result<Conv2d<'a>, String> {
        let taken = self.producer.contains_key(AXES)
            || self.initializers.contains_key(AXES)
            || self.value_infos.contains_key(AXES);
        if convs == Convs::AsIs || taken {
            return Ok(Conv2d::none());
        }
        let nodes: Vec<&[u8]> = self.nodes.iter().map(|n| n.payload).collect();
        Conv2d::plan(
            default_opset(&self.model_fields)?,
            &nodes,
            &self.initializers,
        )
    }
}

/// How [`Graph::extract`] writes the 1-D convolutions it keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convs {
    /// As the model has them.
    AsIs,
    /// As 2-D convolutions over a height of one, which ONNX Runtime runs faster
    /// ([`super::conv2d`]).
    As2d,
}

fn has_subgraph(node: &[u8]) -> Result<bool, String> {
    for attr in fields(node)?
        .into_iter()
        .filter(|f| f.number == field::NODE_ATTRIBUTE)
    {
        if fields(attr.payload)?.iter().any(|f| {
            f.wire == WIRE_LEN
                && (f.number == field::ATTRIBUTE_GRAPH || f.number == field::ATTRIBUTE_GRAPHS)
        }) {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::super::wire::put_int;
    use super::*;

    fn string_field(out: &mut Vec<u8>, number: u32, s: &str) {
        put_message(out, number, s.as_bytes());
    }

    fn node(inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
        op_node("Add", inputs, outputs)
    }

    fn op_node(op: &str, inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
        let mut n = Vec::new();
        for i in inputs {
            string_field(&mut n, field::NODE_INPUT, i);
        }
        for o in outputs {
            string_field(&mut n, field::NODE_OUTPUT, o);
        }
        string_field(&mut n, field::NODE_OP_TYPE, op);
        n
    }

    fn named(number: u32, name: &str) -> Vec<u8> {
        let mut v = Vec::new();
        string_field(&mut v, number, name);
        v
    }

    /// x → a = x + w → b = a + a → y = b + x
    fn model() -> Vec<u8> {
        let mut g = Vec::new();
        put_message(&mut g, field::GRAPH_NODE, &node(&["x", "w"], &["a"]));
        put_message(&mut g, field::GRAPH_NODE, &node(&["a", "a"], &["b"]));
        put_message(&mut g, field::GRAPH_NODE, &node(&["b", "x"], &["y"]));
        string_field(&mut g, 2, "g");
        put_message(
            &mut g,
            field::GRAPH_INITIALIZER,
            &named(field::TENSOR_NAME, "w"),
        );
        for (number, name) in [
            (field::GRAPH_INPUT, "x"),
            (field::GRAPH_OUTPUT, "y"),
            (field::GRAPH_VALUE_INFO, "a"),
            (field::GRAPH_VALUE_INFO, "b"),
        ] {
            put_message(&mut g, number, &named(field::VALUE_INFO_NAME, name));
        }
        let mut m = Vec::new();
        m.extend_from_slice(&[0x08, 0x08]); // ir_version 8
        put_message(&mut m, field::MODEL_GRAPH, &g);
        m
    }

    fn names_in(model: &[u8], number: u32, inner: u32) -> Vec<String> {
        let top = fields(model).unwrap();
        let graph = top.iter().find(|f| f.number == field::MODEL_GRAPH).unwrap();
        fields(graph.payload)
            .unwrap()
            .iter()
            .filter(|f| f.number == number)
            .flat_map(|f| strings(f.payload, inner).unwrap())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_cut_keeps_only_what_its_outputs_need() {
        let bytes = model();
        let g = Graph::parse(&bytes).unwrap();
        let head = g.extract(&[], &["a"], Convs::AsIs).unwrap();
        assert_eq!(
            names_in(&head, field::GRAPH_NODE, field::NODE_OUTPUT),
            ["a"]
        );
        assert_eq!(
            names_in(&head, field::GRAPH_INITIALIZER, field::TENSOR_NAME),
            ["w"]
        );
        assert_eq!(
            names_in(&head, field::GRAPH_INPUT, field::VALUE_INFO_NAME),
            ["x"]
        );
        assert_eq!(&head[..2], &[0x08, 0x08], "model fields are kept");

        let tail = g.extract(&["a"], &["y"], Convs::AsIs).unwrap();
        assert_eq!(
            names_in(&tail, field::GRAPH_NODE, field::NODE_OUTPUT),
            ["b", "y"]
        );
        assert!(names_in(&tail, field::GRAPH_INITIALIZER, field::TENSOR_NAME).is_empty());
        assert_eq!(
            names_in(&tail, field::GRAPH_INPUT, field::VALUE_INFO_NAME),
            ["x", "a"]
        );
        assert_eq!(
            names_in(&tail, field::GRAPH_VALUE_INFO, field::VALUE_INFO_NAME),
            ["b"]
        );
    }

    #[test]
    fn a_name_nothing_computes_is_an_error() {
        let bytes = model();
        let g = Graph::parse(&bytes).unwrap();
        assert!(g.produces("b") && !g.produces("q"));
        assert!(g.extract(&[], &["q"], Convs::AsIs).is_err());
        assert!(Graph::parse(&[0xff]).is_err());
    }

    /// x → y = Conv(x, w), opset `opset`.
    fn conv_model(opset: i64) -> Vec<u8> {
        let mut g = Vec::new();
        put_message(
            &mut g,
            field::GRAPH_NODE,
            &op_node("Conv", &["x", "w"], &["y"]),
        );
        let mut w = Vec::new();
        for d in [4, 2, 3] {
            put_int(&mut w, field::TENSOR_DIMS, d);
        }
        string_field(&mut w, field::TENSOR_NAME, "w");
        put_message(&mut g, field::GRAPH_INITIALIZER, &w);
        put_message(
            &mut g,
            field::GRAPH_INPUT,
            &named(field::VALUE_INFO_NAME, "x"),
        );
        put_message(
            &mut g,
            field::GRAPH_OUTPUT,
            &named(field::VALUE_INFO_NAME, "y"),
        );
        let mut m = Vec::new();
        let mut opset_import = Vec::new();
        put_int(&mut opset_import, field::OPSET_VERSION, opset);
        put_message(&mut m, field::MODEL_OPSET_IMPORT, &opset_import);
        put_message(&mut m, field::MODEL_GRAPH, &g);
        m
    }

    #[test]
    fn a_cut_can_write_its_1d_convolutions_as_2d_ones() {
        let bytes = conv_model(15);
        let g = Graph::parse(&bytes).unwrap();
        let as_is = g.extract(&[], &["y"], Convs::AsIs).unwrap();
        assert_eq!(
            names_in(&as_is, field::GRAPH_NODE, field::NODE_OUTPUT),
            ["y"]
        );
        let as_2d = g.extract(&[], &["y"], Convs::As2d).unwrap();
        assert_eq!(
            names_in(&as_2d, field::GRAPH_NODE, field::NODE_OUTPUT),
            ["y/as_2d/input", "y/as_2d/output", "y"]
        );
        assert_eq!(
            names_in(&as_2d, field::GRAPH_INITIALIZER, field::TENSOR_NAME),
            ["w", AXES]
        );
        assert_eq!(
            names_in(&as_2d, field::GRAPH_INPUT, field::VALUE_INFO_NAME),
            ["x"]
        );
        // Opset 11's Squeeze takes no axes input: nothing is rewritten.
        let bytes = conv_model(11);
        let g = Graph::parse(&bytes).unwrap();
        let old = g.extract(&[], &["y"], Convs::As2d).unwrap();
        assert_eq!(names_in(&old, field::GRAPH_NODE, field::NODE_OUTPUT), ["y"]);
    }
}
