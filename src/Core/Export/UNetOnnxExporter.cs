using DistillService.Core.Models;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace DistillService.Core.Export;

/// <summary>
/// Writes a <see cref="UNet"/> as an ONNX model (opset 17): input <c>image</c> float32 [batch, in_channels, height,
/// width] normalised as the model card says, output <c>logits</c> [batch, classes, height, width], with batch, height
/// and width dynamic (height and width multiples of 2^depth). TorchSharp has no ONNX exporter, so the graph is built
/// from the U-Net's structure: Conv → BatchNormalization → Relu twice per level, MaxPool down, ConvTranspose up,
/// Concat with the skip, a 1×1 Conv head. Initialisers carry the state-dict names, so the weights can be matched
/// to <c>model.safetensors</c> key by key.
/// </summary>
public static class UNetOnnxExporter
{
    public const string InputName = "image";
    public const string OutputName = "logits";
    public const int OpsetVersion = 17;

    // IR version 8 is the one ONNX 1.12–1.13 pair with opset 17; every runtime that reads opset 17 reads it.
    private const long IrVersion = 8;

    public static byte[] ToBytes(UNet model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Build(model, metadata).ToByteArray();
    }

    public static ModelProto Build(UNet model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = new GraphProto { Name = "unet" };
        AddInitializers(graph, model);

        graph.Input.Add(TensorValue(InputName, "batch", model.InChannels, "height", "width"));
        graph.Output.Add(TensorValue(OutputName, "batch", model.NumClasses, "height", "width"));

        var builder = new GraphBuilder(graph);
        var x = InputName;
        var skips = new string[model.Depth];
        for (var level = 0; level < model.Depth; level++)
        {
            skips[level] = builder.DoubleConv($"encoders.{level}", x);
            x = builder.Node("MaxPool", [skips[level]], $"encoders.{level}.pool",
                Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
        }
        x = builder.DoubleConv("bottleneck", x);
        for (var level = model.Depth - 1; level >= 0; level--)
        {
            var prefix = $"upsamplers.{level}";
            var up = builder.Node("ConvTranspose", [x, $"{prefix}.weight", $"{prefix}.bias"], prefix,
                Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
            var joined = builder.Node("Concat", [up, skips[level]], $"decoders.{level}.concat", Int("axis", 1));
            x = builder.DoubleConv($"decoders.{level}", joined);
        }
        builder.Node("Conv", [x, "head.weight", "head.bias"], "head", OutputName, Ints("kernel_shape", 1, 1));

        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "DistillService",
            Graph = graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return onnx;
    }

    private static void AddInitializers(GraphProto graph, UNet model)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in model.state_dict())
        {
            // A counter for training only; inference needs the running statistics, not how many batches made them.
            if (name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)) continue;
            // contiguous() gives the standard NCHW order, also for channels-last weights.
            var data = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
            var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(data.bytes) };
            proto.Dims.AddRange(data.shape);
            graph.Initializer.Add(proto);
        }
    }

    private static ValueInfoProto TensorValue(string name, string batch, long channels, string height, string width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = channels });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = height });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private sealed class GraphBuilder(GraphProto graph)
    {
        /// <summary>Adds a node whose single output is named after it; returns that output.</summary>
        public string Node(string op, string[] inputs, string name, params AttributeProto[] attributes) =>
            Node(op, inputs, name, name, attributes);

        public string Node(string op, string[] inputs, string name, string output, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = name };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            graph.Node.Add(node);
            return output;
        }

        /// <summary>(Conv 3×3 pad 1, no bias → BatchNormalization → Relu) × 2, as <see cref="DoubleConv"/>.</summary>
        public string DoubleConv(string prefix, string input)
        {
            var x = input;
            foreach (var (conv, norm) in new[] { ("conv1", "bn1"), ("conv2", "bn2") })
            {
                x = Node("Conv", [x, $"{prefix}.{conv}.weight"], $"{prefix}.{conv}",
                    Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1));
                x = Node("BatchNormalization",
                    [x, $"{prefix}.{norm}.weight", $"{prefix}.{norm}.bias", $"{prefix}.{norm}.running_mean", $"{prefix}.{norm}.running_var"],
                    $"{prefix}.{norm}", Float("epsilon", (float)BatchNormForward.Epsilon));
                x = Node("Relu", [x], $"{prefix}.{norm}.relu");
            }
            return x;
        }
    }
}
