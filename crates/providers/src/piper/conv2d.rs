//! Rewrites a graph's 1-D convolutions as 2-D ones over a height of one, at load time,
//! because ONNX Runtime runs 2-D convolutions faster on a CPU.
//!
//! ONNX Runtime's CPU provider runs a 1-D `Conv` as im2col and a matrix product, but
//! lays out the inputs of a 2-D one in channel blocks ("NCHWc") and runs it with direct
//! kernels. A Piper voice's decoder (HiFi-GAN) is almost all 1-D convolutions and costs
//! about 70 % of a sentence's synthesis. Measured on one pinned core (docs/BENCHMARKS.md),
//! the rewritten decoder costs 9–10 % less per frame, and the output differs by rounding
//! only (1e-7 in samples of ±1). Only the decoder is rewritten ([`super::model::split`]):
//! the flow and the encoder gained 1–5 %, under 1 % of a sentence, and ONNX Runtime then
//! held 34 MiB more for them.
//!
//! The key decision: only the convolutions change. Each becomes `Unsqueeze(axis 2) →
//! Conv (2-D) → Squeeze(axis 2)`; its weight gets a dimension of 1 (`[O, I, K]` →
//! `[O, I, 1, K]`, the same bytes), and its attributes get the identity for the new axis.
//! Every other node, and every tensor outside the convolutions, is as before, so the
//! rewrite cannot change what the graph means. The added `Squeeze` and `Unsqueeze` only
//! relabel a tensor's shape (under 1 % of the decoder's time in ONNX Runtime's profile).
//! A convolution whose weight is not
//! an initializer, or is read by anything else, or that has attributes this does not
//! know how to extend (`output_shape`), is left as it is.

use super::wire::{
    field, fields, first_string, ints, put_int, put_message, strings, Field, WIRE_LEN,
};
use std::collections::{HashMap, HashSet};

/// The initializer that holds the axis the rewrite adds (`[2]`).
pub(super) const AXES: &str = "piper.conv2d.axes";

/// Which convolutions of a graph to rewrite.
pub(super) struct Conv2d<'a> {
    /// Initializers that are the weight of a rewritten convolution and nothing else.
    weights: HashSet<&'a str>,
}

impl<'a> Conv2d<'a> {
    /// Rewrites nothing.
    pub fn none() -> Self {
        Self {
            weights: HashSet::new(),
        }
    }

    /// Plans the rewrite of `nodes` (NodeProto payloads) of a graph with these
    /// `initializers` (TensorProto payloads by name), whose default-domain opset is
    /// `opset`: nothing below 13, where `Unsqueeze` and `Squeeze` still take their axes as
    /// an attribute.
    pub fn plan(
        opset: Option<i64>,
        nodes: &[&'a [u8]],
        initializers: &HashMap<&'a str, &'a [u8]>,
    ) -> Result<Self, String> {
        if opset.is_none_or(|v| v < 13) {
            return Ok(Self::none());
        }
        let mut weights = HashSet::new();
        let mut other_reads = HashSet::new();
        for &node in nodes {
            let inputs = strings(node, field::NODE_INPUT)?;
            let weight = match conv_weight(node, &inputs)? {
                Some(w) if dims(initializers.get(w).copied())?.is_some_and(|d| d.len() == 3) => {
                    Some(w)
                }
                _ => None,
            };
            for (i, name) in inputs.iter().enumerate() {
                match weight {
                    Some(w) if i == 1 && *name == w => {
                        weights.insert(w);
                    }
                    _ => {
                        other_reads.insert(*name);
                    }
                }
            }
        }
        weights.retain(|w| !other_reads.contains(w));
        Ok(Self { weights })
    }

    /// The nodes that replace `node` (`Unsqueeze`, the 2-D convolution, `Squeeze`), or
    /// `None` if it stays as it is.
    pub fn node(&self, node: &[u8]) -> Result<Option<[Vec<u8>; 3]>, String> {
        let inputs = strings(node, field::NODE_INPUT)?;
        let Some(weight) = conv_weight(node, &inputs)? else {
            return Ok(None);
        };
        if !self.weights.contains(weight) {
            return Ok(None);
        }
        let outputs = strings(node, field::NODE_OUTPUT)?;
        let (input, output) = (inputs[0], outputs[0]);
        let (input_2d, output_2d) = (
            format!("{output}/as_2d/input"),
            format!("{output}/as_2d/output"),
        );
        let mut conv = Vec::new();
        put_message(&mut conv, field::NODE_INPUT, input_2d.as_bytes());
        for i in &inputs[1..] {
            put_message(&mut conv, field::NODE_INPUT, i.as_bytes());
        }
        put_message(&mut conv, field::NODE_OUTPUT, output_2d.as_bytes());
        for f in fields(node)? {
            match f.number {
                field::NODE_INPUT | field::NODE_OUTPUT => {}
                field::NODE_ATTRIBUTE => {
                    put_message(&mut conv, field::NODE_ATTRIBUTE, &attribute_2d(&f)?)
                }
                _ => conv.extend_from_slice(f.raw),
            }
        }
        Ok(Some([
            simple_node("Unsqueeze", &[input, AXES], &input_2d),
            conv,
            simple_node("Squeeze", &[&output_2d, AXES], output),
        ]))
    }

    /// The TensorProto that replaces initializer `name` (its dims `[O, I, K]` as
    /// `[O, I, 1, K]`), or `None` if it stays as it is.
    pub fn initializer(&self, name: &str, tensor: &[u8]) -> Result<Option<Vec<u8>>, String> {
        if !self.weights.contains(name) {
            return Ok(None);
        }
        let Some(d) = dims(Some(tensor))? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(tensor.len() + 8);
        for v in [d[0], d[1], 1, d[2]] {
            put_int(&mut out, field::TENSOR_DIMS, v);
        }
        for f in fields(tensor)? {
            if f.number != field::TENSOR_DIMS {
                out.extend_from_slice(f.raw);
            }
        }
        Ok(Some(out))
    }

    /// The TensorProto of [`AXES`].
    pub fn axes() -> Vec<u8> {
        let mut t = Vec::new();
        put_int(&mut t, field::TENSOR_DIMS, 1);
        put_int(
            &mut t,
            field::TENSOR_DATA_TYPE,
            field::TENSOR_DATA_TYPE_INT64,
        );
        put_message(&mut t, field::TENSOR_NAME, AXES.as_bytes());
        put_message(&mut t, field::TENSOR_RAW_DATA, &2i64.to_le_bytes());
        t
    }
}

/// The weight a default-domain `Conv` or `ConvTranspose` reads, if `node` is one with one
/// output whose attributes the rewrite can extend.
fn conv_weight<'n>(node: &[u8], inputs: &[&'n str]) -> Result<Option<&'n str>, String> {
    let op = first_string(node, field::NODE_OP_TYPE)?.unwrap_or("");
    let domain = first_string(node, field::NODE_DOMAIN)?.unwrap_or("");
    if !matches!(op, "Conv" | "ConvTranspose")
        || !matches!(domain, "" | "ai.onnx")
        || inputs.len() < 2
        || strings(node, field::NODE_OUTPUT)?.len() != 1
    {
        return Ok(None);
    }
    for f in fields(node)? {
        if f.number == field::NODE_ATTRIBUTE && matches!(widened(&f)?, Widened::Cannot) {
            return Ok(None);
        }
    }
    Ok(Some(inputs[1]))
}

/// What the 2-D convolution makes of one of the 1-D convolution's attributes.
enum Widened<'f> {
    /// Kept as it is (`group`, `auto_pad`).
    Kept,
    /// One value per spatial axis: `name`, with the values for a height of one in front.
    Ints(&'f str, Vec<i64>),
    /// One the rewrite cannot extend (`output_shape`, or a malformed list).
    Cannot,
}

fn widened<'f>(attribute: &Field<'f>) -> Result<Widened<'f>, String> {
    let name = first_string(attribute.payload, field::ATTRIBUTE_NAME)?.unwrap_or("");
    let mut values = Vec::new();
    for f in fields(attribute.payload)? {
        if f.number == field::ATTRIBUTE_INTS {
            values.extend(ints(&f)?);
        }
    }
    Ok(match (name, values.as_slice()) {
        ("kernel_shape" | "strides" | "dilations", &[v]) => Widened::Ints(name, vec![1, v]),
        ("output_padding", &[v]) => Widened::Ints(name, vec![0, v]),
        ("pads", &[begin, end]) => Widened::Ints(name, vec![0, begin, 0, end]),
        ("kernel_shape" | "strides" | "dilations" | "output_padding" | "pads", _) => {
            Widened::Cannot
        }
        ("output_shape", _) => Widened::Cannot,
        _ => Widened::Kept,
    })
}

/// `attribute` (an AttributeProto field of a node) for the 2-D convolution.
fn attribute_2d(attribute: &Field<'_>) -> Result<Vec<u8>, String> {
    match widened(attribute)? {
        Widened::Ints(name, values) => {
            let mut a = Vec::new();
            put_message(&mut a, field::ATTRIBUTE_NAME, name.as_bytes());
            for v in values {
                put_int(&mut a, field::ATTRIBUTE_INTS, v);
            }
            put_int(&mut a, field::ATTRIBUTE_TYPE, field::ATTRIBUTE_TYPE_INTS);
            Ok(a)
        }
        Widened::Kept => Ok(attribute.payload.to_vec()),
        Widened::Cannot => Err("an attribute the rewrite cannot extend".into()),
    }
}

/// A TensorProto's dims, if `tensor` is one.
fn dims(tensor: Option<&[u8]>) -> Result<Option<Vec<i64>>, String> {
    let Some(tensor) = tensor else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for f in fields(tensor)? {
        if f.number == field::TENSOR_DIMS {
            out.extend(ints(&f)?);
        }
    }
    Ok(Some(out))
}

fn simple_node(op: &str, inputs: &[&str], output: &str) -> Vec<u8> {
    let mut n = Vec::new();
    for i in inputs {
        put_message(&mut n, field::NODE_INPUT, i.as_bytes());
    }
    put_message(&mut n, field::NODE_OUTPUT, output.as_bytes());
    put_message(&mut n, field::NODE_OP_TYPE, op.as_bytes());
    n
}

/// The version of the default domain among a ModelProto's `opset_import` fields.
pub(super) fn default_opset(model_fields: &[Field<'_>]) -> Result<Option<i64>, String> {
    for f in model_fields {
        if f.number != field::MODEL_OPSET_IMPORT || f.wire != WIRE_LEN {
            continue;
        }
        let domain = first_string(f.payload, field::OPSET_DOMAIN)?.unwrap_or("");
        if matches!(domain, "" | "ai.onnx") {
            for v in fields(f.payload)? {
                if v.number == field::OPSET_VERSION {
                    return Ok(ints(&v)?.first().copied());
                }
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::wire::put_varint;
    use super::*;

    fn ints_attribute(name: &str, values: &[i64]) -> Vec<u8> {
        let mut a = Vec::new();
        put_message(&mut a, field::ATTRIBUTE_NAME, name.as_bytes());
        for &v in values {
            put_int(&mut a, field::ATTRIBUTE_INTS, v);
        }
        put_int(&mut a, field::ATTRIBUTE_TYPE, field::ATTRIBUTE_TYPE_INTS);
        a
    }

    fn int_attribute(name: &str, value: i64) -> Vec<u8> {
        let mut a = Vec::new();
        put_message(&mut a, field::ATTRIBUTE_NAME, name.as_bytes());
        put_int(&mut a, 3, value); // AttributeProto.i
        put_int(&mut a, field::ATTRIBUTE_TYPE, 2); // INT
        a
    }

    fn node(op: &str, inputs: &[&str], output: &str, attributes: &[Vec<u8>]) -> Vec<u8> {
        let mut n = simple_node(op, inputs, output);
        put_message(&mut n, 3, b"a node"); // NodeProto.name, kept
        for a in attributes {
            put_message(&mut n, field::NODE_ATTRIBUTE, a);
        }
        n
    }

    fn tensor(name: &str, dims: &[i64]) -> Vec<u8> {
        let mut t = Vec::new();
        // Packed dims, as some writers do.
        let mut packed = Vec::new();
        for &d in dims {
            put_varint(&mut packed, d as u64);
        }
        put_message(&mut t, field::TENSOR_DIMS, &packed);
        put_int(&mut t, field::TENSOR_DATA_TYPE, 1);
        put_message(&mut t, field::TENSOR_NAME, name.as_bytes());
        put_message(&mut t, field::TENSOR_RAW_DATA, &[0u8; 8]);
        t
    }

    fn attributes(node: &[u8]) -> Vec<(String, Vec<i64>)> {
        fields(node)
            .unwrap()
            .iter()
            .filter(|f| f.number == field::NODE_ATTRIBUTE)
            .map(|a| {
                let name = first_string(a.payload, field::ATTRIBUTE_NAME)
                    .unwrap()
                    .unwrap();
                let values = fields(a.payload)
                    .unwrap()
                    .iter()
                    .filter(|f| f.number == field::ATTRIBUTE_INTS || f.number == 3)
                    .flat_map(|f| ints(f).unwrap())
                    .collect();
                (name.to_string(), values)
            })
            .collect()
    }

    fn tensor_dims(t: &[u8]) -> Vec<i64> {
        dims(Some(t)).unwrap().unwrap()
    }

    #[test]
    fn a_1d_convolution_becomes_a_2d_one_between_unsqueeze_and_squeeze() {
        let conv = node(
            "Conv",
            &["x", "w", "b"],
            "y",
            &[
                ints_attribute("kernel_shape", &[3]),
                ints_attribute("pads", &[1, 2]),
                ints_attribute("dilations", &[2]),
                ints_attribute("strides", &[1]),
                int_attribute("group", 1),
            ],
        );
        let up = node(
            "ConvTranspose",
            &["y", "u"],
            "z",
            &[ints_attribute("output_padding", &[1])],
        );
        let (w, b, u) = (
            tensor("w", &[4, 2, 3]),
            tensor("b", &[4]),
            tensor("u", &[4, 2, 16]),
        );
        let inits = HashMap::from([("w", &w[..]), ("b", &b[..]), ("u", &u[..])]);
        let plan = Conv2d::plan(Some(15), &[&conv, &up], &inits).unwrap();

        let [unsqueeze, conv_2d, squeeze] = plan.node(&conv).unwrap().unwrap();
        assert_eq!(strings(&unsqueeze, field::NODE_INPUT).unwrap(), ["x", AXES]);
        assert_eq!(
            strings(&unsqueeze, field::NODE_OUTPUT).unwrap(),
            ["y/as_2d/input"]
        );
        assert_eq!(
            strings(&conv_2d, field::NODE_INPUT).unwrap(),
            ["y/as_2d/input", "w", "b"]
        );
        assert_eq!(
            strings(&squeeze, field::NODE_INPUT).unwrap(),
            ["y/as_2d/output", AXES]
        );
        assert_eq!(strings(&squeeze, field::NODE_OUTPUT).unwrap(), ["y"]);
        assert_eq!(first_string(&conv_2d, 3).unwrap(), Some("a node"));
        assert_eq!(
            attributes(&conv_2d),
            [
                ("kernel_shape".to_string(), vec![1, 3]),
                ("pads".to_string(), vec![0, 1, 0, 2]),
                ("dilations".to_string(), vec![1, 2]),
                ("strides".to_string(), vec![1, 1]),
                ("group".to_string(), vec![1]),
            ]
        );
        let [_, up_2d, _] = plan.node(&up).unwrap().unwrap();
        assert_eq!(
            attributes(&up_2d),
            [("output_padding".to_string(), vec![0, 1])]
        );

        let w_2d = plan.initializer("w", &w).unwrap().unwrap();
        assert_eq!(tensor_dims(&w_2d), [4, 2, 1, 3]);
        assert_eq!(first_string(&w_2d, field::TENSOR_NAME).unwrap(), Some("w"));
        let raw = |t: &[u8]| {
            fields(t)
                .unwrap()
                .iter()
                .find(|f| f.number == field::TENSOR_RAW_DATA)
                .map(|f| f.payload.to_vec())
        };
        assert_eq!(raw(&w_2d), raw(&w), "the weights' bytes are kept");
        assert!(
            plan.initializer("b", &b).unwrap().is_none(),
            "a bias is 1-D"
        );
        assert_eq!(tensor_dims(&Conv2d::axes()), [1]);
    }

    #[test]
    fn a_convolution_is_left_alone_when_the_rewrite_could_change_the_graph() {
        let conv = node("Conv", &["x", "w"], "y", &[]);
        let w = tensor("w", &[4, 2, 3]);
        let inits = HashMap::from([("w", &w[..])]);

        // The weight is read by another node too.
        let add = node("Add", &["w", "w"], "v", &[]);
        let plan = Conv2d::plan(Some(15), &[&conv, &add], &inits).unwrap();
        assert!(plan.node(&conv).unwrap().is_none());
        assert!(plan.initializer("w", &w).unwrap().is_none());

        // An opset whose Unsqueeze takes its axes as an attribute.
        let plan = Conv2d::plan(Some(11), &[&conv], &inits).unwrap();
        assert!(plan.node(&conv).unwrap().is_none());

        // An attribute it cannot extend.
        let shaped = node(
            "ConvTranspose",
            &["x", "w"],
            "y",
            &[ints_attribute("output_shape", &[64])],
        );
        let plan = Conv2d::plan(Some(15), &[&shaped], &inits).unwrap();
        assert!(plan.node(&shaped).unwrap().is_none());

        // A node with two outputs (not a valid Conv): its weight keeps its shape too.
        let mut two = node("Conv", &["x", "w"], "y", &[]);
        put_message(&mut two, field::NODE_OUTPUT, b"y2");
        let plan = Conv2d::plan(Some(15), &[&two], &inits).unwrap();
        assert!(plan.node(&two).unwrap().is_none());
        assert!(plan.initializer("w", &w).unwrap().is_none());

        // A weight that is not an initializer, or is already 2-D.
        let computed = node("Conv", &["x", "q"], "y", &[]);
        let plan = Conv2d::plan(Some(15), &[&computed], &inits).unwrap();
        assert!(plan.node(&computed).unwrap().is_none());
        let w2 = tensor("w", &[4, 2, 3, 3]);
        let plan = Conv2d::plan(Some(15), &[&conv], &HashMap::from([("w", &w2[..])])).unwrap();
        assert!(plan.node(&conv).unwrap().is_none());
    }
}
