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
//! outputs, like `onnx.utils.Extractor`.

use std::collections::{HashMap, HashSet};

/// Field numbers of onnx.proto3 that the cut reads or writes.
mod field {
    pub const MODEL_GRAPH: u32 = 7;
    pub const GRAPH_NODE: u32 = 1;
    pub const GRAPH_INITIALIZER: u32 = 5;
    pub const GRAPH_INPUT: u32 = 11;
    pub const GRAPH_OUTPUT: u32 = 12;
    pub const GRAPH_VALUE_INFO: u32 = 13;
    pub const GRAPH_SPARSE_INITIALIZER: u32 = 15;
    pub const NODE_INPUT: u32 = 1;
    pub const NODE_OUTPUT: u32 = 2;
    pub const NODE_ATTRIBUTE: u32 = 5;
    pub const ATTRIBUTE_GRAPH: u32 = 6;
    pub const ATTRIBUTE_GRAPHS: u32 = 11;
    pub const TENSOR_NAME: u32 = 8;
    pub const VALUE_INFO_NAME: u32 = 1;
}

const WIRE_VARINT: u8 = 0;
const WIRE_I64: u8 = 1;
const WIRE_LEN: u8 = 2;
const WIRE_I32: u8 = 5;

/// One field of a message: its number, wire type and raw bytes (tag included), and for
/// length-delimited fields the payload.
#[derive(Clone, Copy)]
struct Field<'a> {
    number: u32,
    wire: u8,
    raw: &'a [u8],
    payload: &'a [u8],
}

fn varint(bytes: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint too long".into())
}

/// The fields of one message, in order.
fn fields(bytes: &[u8]) -> Result<Vec<Field<'_>>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        let tag = varint(bytes, &mut pos)?;
        let (number, wire) = ((tag >> 3) as u32, (tag & 7) as u8);
        let payload_start;
        match wire {
            WIRE_VARINT => {
                varint(bytes, &mut pos)?;
                payload_start = pos;
            }
            WIRE_I64 => {
                pos += 8;
                payload_start = pos;
            }
            WIRE_I32 => {
                pos += 4;
                payload_start = pos;
            }
            WIRE_LEN => {
                let len = varint(bytes, &mut pos)? as usize;
                payload_start = pos;
                pos = pos.checked_add(len).ok_or("length overflow")?;
            }
            w => return Err(format!("unsupported wire type {w}")),
        }
        if pos > bytes.len() {
            return Err("truncated field".into());
        }
        out.push(Field {
            number,
            wire,
            raw: &bytes[start..pos],
            payload: if wire == WIRE_LEN {
                &bytes[payload_start..pos]
            } else {
                &[]
            },
        });
    }
    Ok(out)
}

fn strings(message: &[u8], number: u32) -> Result<Vec<&str>, String> {
    fields(message)?
        .into_iter()
        .filter(|f| f.number == number && f.wire == WIRE_LEN)
        .map(|f| std::str::from_utf8(f.payload).map_err(|_| "a name is not UTF-8".to_string()))
        .collect()
}

fn first_string(message: &[u8], number: u32) -> Result<Option<&str>, String> {
    Ok(strings(message, number)?.into_iter().next())
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_message(out: &mut Vec<u8>, number: u32, payload: &[u8]) {
    put_varint(out, (u64::from(number) << 3) | u64::from(WIRE_LEN));
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

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
    /// graph): the nodes and initializers the outputs depend on, in the original order.
    /// Fails if an output depends on a name that is neither given, produced, an
    /// initializer, nor a graph input, or if a name has no type information.
    pub fn extract(&self, inputs: &[&str], outputs: &[&str]) -> Result<Vec<u8>, String> {
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
        let mut produced = Vec::new();
        for &n in &ordered {
            put_message(&mut graph, field::GRAPH_NODE, self.nodes[n].payload);
            produced.extend(self.nodes[n].outputs.iter().copied());
        }
        for f in &self.graph_fields {
            graph.extend_from_slice(f.raw);
        }
        let mut inits: Vec<&str> = used_inits.into_iter().collect();
        inits.sort_unstable();
        for name in inits {
            put_message(
                &mut graph,
                field::GRAPH_INITIALIZER,
                self.initializers[name],
            );
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
    use super::*;

    fn string_field(out: &mut Vec<u8>, number: u32, s: &str) {
        put_message(out, number, s.as_bytes());
    }

    fn node(inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
        let mut n = Vec::new();
        for i in inputs {
            string_field(&mut n, field::NODE_INPUT, i);
        }
        for o in outputs {
            string_field(&mut n, field::NODE_OUTPUT, o);
        }
        string_field(&mut n, 4, "Add");
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
        let head = g.extract(&[], &["a"]).unwrap();
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

        let tail = g.extract(&["a"], &["y"]).unwrap();
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
        assert!(g.extract(&[], &["q"]).is_err());
        assert!(Graph::parse(&[0xff]).is_err());
    }
}
