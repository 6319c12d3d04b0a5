//! The protobuf wire format, as far as the ONNX graph edits need it ([`super::graph_cut`],
//! [`super::conv2d`]): split a message into its fields, read varints and names, write
//! varints and length-delimited fields. Fields are kept as raw bytes, so an edit copies
//! what it does not touch byte for byte.

/// Field numbers of onnx.proto3 that the edits read or write.
pub(super) mod field {
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
    pub const NODE_OP_TYPE: u32 = 4;
    pub const NODE_DOMAIN: u32 = 7;
    pub const ATTRIBUTE_NAME: u32 = 1;
    pub const ATTRIBUTE_INTS: u32 = 8;
    pub const ATTRIBUTE_TYPE: u32 = 20;
    /// AttributeProto.AttributeType.INTS
    pub const ATTRIBUTE_TYPE_INTS: i64 = 7;
    pub const TENSOR_DIMS: u32 = 1;
    pub const TENSOR_DATA_TYPE: u32 = 2;
    /// TensorProto.DataType.INT64
    pub const TENSOR_DATA_TYPE_INT64: i64 = 7;
    pub const TENSOR_NAME: u32 = 8;
    pub const TENSOR_RAW_DATA: u32 = 9;
    pub const MODEL_OPSET_IMPORT: u32 = 8;
    pub const OPSET_DOMAIN: u32 = 1;
    pub const OPSET_VERSION: u32 = 2;
    pub const VALUE_INFO_NAME: u32 = 1;
}

pub(super) const WIRE_VARINT: u8 = 0;
pub(super) const WIRE_I64: u8 = 1;
pub(super) const WIRE_LEN: u8 = 2;
pub(super) const WIRE_I32: u8 = 5;

/// One field of a message: its number, wire type and raw bytes (tag included), and for
/// length-delimited fields the payload.
#[derive(Clone, Copy)]
pub(super) struct Field<'a> {
    pub number: u32,
    pub wire: u8,
    pub raw: &'a [u8],
    pub payload: &'a [u8],
}

pub(super) fn varint(bytes: &[u8], pos: &mut usize) -> Result<u64, String> {
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
pub(super) fn fields(bytes: &[u8]) -> Result<Vec<Field<'_>>, String> {
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

pub(super) fn strings(message: &[u8], number: u32) -> Result<Vec<&str>, String> {
    fields(message)?
        .into_iter()
        .filter(|f| f.number == number && f.wire == WIRE_LEN)
        .map(|f| std::str::from_utf8(f.payload).map_err(|_| "a name is not UTF-8".to_string()))
        .collect()
}

pub(super) fn first_string(message: &[u8], number: u32) -> Result<Option<&str>, String> {
    Ok(strings(message, number)?.into_iter().next())
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) fn put_message(out: &mut Vec<u8>, number: u32, payload: &[u8]) {
    put_varint(out, (u64::from(number) << 3) | u64::from(WIRE_LEN));
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

/// The values of one entry of a repeated integer field: a single varint, or a packed
/// run of them (writers may use either).
pub(super) fn ints(f: &Field<'_>) -> Result<Vec<i64>, String> {
    match f.wire {
        WIRE_VARINT => {
            let mut pos = 0;
            varint(f.raw, &mut pos)?; // the tag
            Ok(vec![varint(f.raw, &mut pos)? as i64])
        }
        WIRE_LEN => {
            let (mut pos, mut out) = (0, Vec::new());
            while pos < f.payload.len() {
                out.push(varint(f.payload, &mut pos)? as i64);
            }
            Ok(out)
        }
        w => Err(format!(
            "field {} has wire type {w}, not an integer",
            f.number
        )),
    }
}

/// Writes `value` as varint field `number`.
pub(super) fn put_int(out: &mut Vec<u8>, number: u32, value: i64) {
    put_varint(out, (u64::from(number) << 3) | u64::from(WIRE_VARINT));
    put_varint(out, value as u64);
}
