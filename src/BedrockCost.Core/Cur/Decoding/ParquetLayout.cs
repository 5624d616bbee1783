using Parquet.Meta;
using PhysicalType = Parquet.Meta.Type;

namespace BedrockCost.Core.Cur.Decoding;

/// <summary>A leaf column of a Parquet schema: its dotted path, schema element and maximum levels.</summary>
internal sealed record ParquetLeaf(string Path, int Index, SchemaElement Element, int MaxDefinition, int MaxRepetition);

/// <summary>
/// The leaf columns of a file's schema (from the footer Parquet.Net parsed), in the order row groups list their
/// column chunks, and how the decoder reads each as the engine wants it.
/// </summary>
internal static class ParquetLayout
{
    private const int MaxDepth = 64;

    public static IReadOnlyList<ParquetLeaf> Leaves(FileMetaData meta)
    {
        var schema = meta.Schema ?? throw new InvalidDataException("the file has no schema");
        if (schema.Count == 0) throw new InvalidDataException("the file has an empty schema");
        var leaves = new List<ParquetLeaf>();
        var next = 1;
        Walk(schema[0].NumChildren ?? 0, "", 0, 0, 0);
        if (next != schema.Count) throw new InvalidDataException("the schema's elements do not form one tree");
        return leaves;

        void Walk(int children, string path, int def, int rep, int depth)
        {
            if (depth > MaxDepth) throw new InvalidDataException("the schema nests too deeply");
            if (children < 0 || children > schema.Count - next) throw new InvalidDataException("the schema states more elements than it has");
            for (var c = 0; c < children; c++)
            {
                var e = schema[next++];
                var d = def + (e.RepetitionType is FieldRepetitionType.REQUIRED or null ? 0 : 1);
                var r = rep + (e.RepetitionType == FieldRepetitionType.REPEATED ? 1 : 0);
                var p = path.Length == 0 ? e.Name : path + "." + e.Name;
                if (e.NumChildren is > 0) Walk(e.NumChildren.Value, p, d, r, depth + 1);
                else leaves.Add(new ParquetLeaf(p, leaves.Count, e, d, r));
            }
        }
    }

    /// <summary>How the decoder reads <paramref name="leaf"/> as <paramref name="kind"/>; null when it cannot (Parquet.Net reads it).</summary>
    public static ColumnSpec? Spec(ParquetLeaf leaf, ValueKind kind)
    {
        var e = leaf.Element;
        if (e.Type is not { } physical) return null;
        var decimalOrOther = e.ConvertedType is ConvertedType.DECIMAL || e.LogicalType?.DECIMAL is not null;
        ColumnSpec Make(long ticksPerUnit = 0, int unitsPerTick = 0) =>
            new(leaf.Path, physical, leaf.MaxDefinition, leaf.MaxRepetition, kind, ticksPerUnit, unitsPerTick);
        switch (kind)
        {
            case ValueKind.Text:
                return physical == PhysicalType.BYTE_ARRAY && !decimalOrOther ? Make() : null;
            case ValueKind.Number:
                if (decimalOrOther) return null;
                if (physical is PhysicalType.DOUBLE or PhysicalType.FLOAT) return Make();
                if (physical is PhysicalType.INT32 or PhysicalType.INT64 && e.ConvertedType is null or ConvertedType.INT_32 or ConvertedType.INT_64 &&
                    (e.LogicalType is null || e.LogicalType.INTEGER is { IsSigned: true })) return Make();
                return null;
            case ValueKind.Timestamp:
                if (physical == PhysicalType.INT96) return Make();
                if (physical != PhysicalType.INT64) return null;
                if (e.LogicalType?.TIMESTAMP is { } ts)
                {
                    if (ts.Unit?.MILLIS is not null) return Make(TimeSpan.TicksPerMillisecond);
                    if (ts.Unit?.MICROS is not null) return Make(TimeSpan.TicksPerMicrosecond);
                    if (ts.Unit?.NANOS is not null) return Make(unitsPerTick: 100);
                    return null;
                }
                return e.ConvertedType switch
                {
                    ConvertedType.TIMESTAMP_MILLIS => Make(TimeSpan.TicksPerMillisecond),
                    ConvertedType.TIMESTAMP_MICROS => Make(TimeSpan.TicksPerMicrosecond),
                    _ => null,
                };
            default:
                return null;
        }
    }
}
