/**
 * A small builder for ONNX graphs, used to write the project's own deterministic models
 * (the CLIP-shaped test model, the ViT-B/32-shaped benchmark tower). Writes ModelProto bytes
 * with the protobuf definitions from `onnx-proto`.
 */
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const INT8 = onnx.TensorProto.DataType.INT8;
const UINT8 = onnx.TensorProto.DataType.UINT8;

type Dim = number | string;
type AttrValue = number | number[] | string | { float: number };

export class OnnxGraph {
  private nodes: P.INodeProto[] = [];
  private initializers: P.ITensorProto[] = [];
  private inputs: P.IValueInfoProto[] = [];
  private outputs: P.IValueInfoProto[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, type: 'float' | 'int64', dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: 'float' | 'int64', dims: Dim[], from: string): void {
    this.op('Identity', [from], {}, name);
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A float constant tensor (stored as an initializer). */
  floats(dims: number[], data: ArrayLike<number>, name = this.fresh('w')): string {
    const f32 = Float32Array.from(data);
    if (f32.length !== dims.reduce((a, b) => a * b, 1))
      throw new Error(`${name}: ${f32.length} values for dims ${dims}`);
    this.initializers.push({
      name,
      dims,
      dataType: FLOAT,
      rawData: new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength),
    });
    return name;
  }

  /** An int8 constant tensor (quantised weights). */
  int8s(dims: number[], data: Int8Array, name = this.fresh('q')): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1))
      throw new Error(`${name}: ${data.length} values for dims ${dims}`);
    this.initializers.push({
      name,
      dims,
      dataType: INT8,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** A uint8 constant tensor (zero points). */
  uint8s(dims: number[], data: ArrayLike<number>, name = this.fresh('z')): string {
    this.initializers.push({ name, dims, dataType: UINT8, rawData: Uint8Array.from(data) });
    return name;
  }

  ints(data: number[], name = this.fresh('i')): string {
    const i64 = BigInt64Array.from(data.map(BigInt));
    this.initializers.push({ name, dims: [data.length], dataType: INT64, rawData: new Uint8Array(i64.buffer) });
    return name;
  }

  op(
    type: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    output = this.fresh(type.toLowerCase()),
  ): string {
    return this.opN(type, inputs, 1, attrs, [output])[0];
  }

  /** A node with several outputs (e.g. DynamicQuantizeLinear: values, scale, zero point). */
  opN(
    type: string,
    inputs: string[],
    outputs: number,
    attrs: Record<string, AttrValue> = {},
    names = Array.from({ length: outputs }, () => this.fresh(type.toLowerCase())),
  ): string[] {
    this.nodes.push({
      opType: type,
      name: this.fresh(`n_${type}`),
      input: inputs,
      output: names,
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    });
    return names;
  }

  toBytes(opset = 17): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'loupe',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }
}

function valueInfo(name: string, type: 'float' | 'int64', dims: Dim[]): P.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: type === 'float' ? FLOAT : INT64,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue): P.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'object') return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.INT, i: value };
}
