using BedrockCost.Core.Cur.Decoding;
using Parquet;
using Parquet.Schema;

namespace BedrockCost.Core.Cur;

/// <summary>
/// The CUR columns of a Parquet file's schema, by name (case-insensitive): flat columns, and the key and value
/// fields of the product and tags maps.
/// </summary>
internal sealed class ParquetFields
{
    private readonly Dictionary<string, DataField> _flat;

    private ParquetFields(Dictionary<string, DataField> flat, (DataField, DataField)? product, (DataField, DataField)? tags)
    {
        _flat = flat;
        Product = product;
        Tags = tags;
    }

    public (DataField Key, DataField Value)? Product { get; }
    public (DataField Key, DataField Value)? Tags { get; }
    /// <summary>The schema has a tags column, of any shape.</summary>
    public bool HasTags { get; private init; }
    /// <summary>A legacy Cost and Usage Report (CUR 1.0): no product map, no principal, flat product and tag columns.</summary>
    public bool IsLegacy { get; private init; }
    /// <summary>A column by its CUR 2.0 name.</summary>
    public DataField? this[string name] => _flat.GetValueOrDefault(name);

    /// <summary>Every column a reader may decode: the CUR columns present and the product and tags maps' leaves.</summary>
    public IEnumerable<DataField> Decoded =>
        CurColumns.Read.Select(n => this[n]).OfType<DataField>()
            .Concat(new[] { Product, Tags }.Where(m => m is not null).SelectMany(m => new[] { m!.Value.Key, m.Value.Value }));

    /// <param name="requireCur">Fail unless the schema is a CUR 2.0 table with the required columns (what the engine needs).</param>
    public static ParquetFields Resolve(ParquetSchema schema, string file, bool requireCur = true)
    {
        var flat = new Dictionary<string, DataField>(StringComparer.OrdinalIgnoreCase);
        var maps = new Dictionary<string, (DataField? Key, DataField? Value)>(StringComparer.OrdinalIgnoreCase);
        var hasTags = false;
        var topLevel = new List<string>();
        foreach (var f in schema.GetDataFields())
        {
            var parts = f.Path.ToString()!.Split('/', '.');
            topLevel.Add(parts[0]);
            parts[0] = CurColumns.Normalise(parts[0]);
            hasTags |= parts[0].Equals(CurColumns.Tags, StringComparison.OrdinalIgnoreCase);
            if (parts.Length == 1) flat.TryAdd(parts[0], f);
            else if (parts.Length >= 2 && f.MaxRepetitionLevel > 0)
            {
                maps.TryGetValue(parts[0], out var m);
                if (parts[^1].Equals("key", StringComparison.OrdinalIgnoreCase)) m.Key = f;
                else if (parts[^1].Equals("value", StringComparison.OrdinalIgnoreCase)) m.Value = f;
                maps[parts[0]] = m;
            }
        }
        if (requireCur) CurErrors.CheckColumns(flat.Keys.Concat(maps.Keys).ToHashSet(StringComparer.OrdinalIgnoreCase), file, csv: false);
        (DataField, DataField)? Map(string name) =>
            maps.TryGetValue(name, out var m) && m.Key is not null && m.Value is not null ? (m.Key, m.Value) : null;
        return new ParquetFields(flat, Map(CurColumns.Product), Map(CurColumns.Tags))
        {
            HasTags = hasTags,
            IsLegacy = CurColumns.IsLegacy(topLevel.Distinct()),
        };
    }
}

/// <summary>Numbers and timestamps of a row group, whatever physical type the writer chose.</summary>
internal static class ValueColumns
{
    /// <summary>Fills <paramref name="result"/> (at least <paramref name="rows"/> long; a pooled buffer) with the column's numbers.</summary>
    public static async Task<double?[]> ReadNumbersAsync(ParquetRowGroupReader g, DataField field, int rows, double?[] result, string file, CancellationToken ct)
    {
        var t = field.ClrType;
        if (t == typeof(double)) await g.ReadAsync<double>(field, result.AsMemory(0, rows), null, ct);
        else if (t == typeof(float)) { var f = new float?[rows]; await g.ReadAsync<float>(field, f.AsMemory(), null, ct); for (var i = 0; i < rows; i++) result[i] = f[i]; }
        else if (t == typeof(decimal)) { var d = new decimal?[rows]; await g.ReadAsync<decimal>(field, d.AsMemory(), null, ct); for (var i = 0; i < rows; i++) result[i] = (double?)d[i]; }
        else if (t == typeof(long)) { var d = new long?[rows]; await g.ReadAsync<long>(field, d.AsMemory(), null, ct); for (var i = 0; i < rows; i++) result[i] = d[i]; }
        else if (t == typeof(int)) { var d = new int?[rows]; await g.ReadAsync<int>(field, d.AsMemory(), null, ct); for (var i = 0; i < rows; i++) result[i] = d[i]; }
        else if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var s = new string?[rows];
            await g.ReadAsync(field, s.AsMemory(), null, ct);
            // Text that is not a number becomes NaN, which the reader reports and leaves out (never 0); null stays null.
            for (var i = 0; i < rows; i++)
                result[i] = s[i] is null ? null
                    : double.TryParse(s[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
        }
        else throw WrongType(field, file, "a number");
        return result;
    }

    public static Task<DateTime?[]> ReadTimestampsAsync(ParquetRowGroupReader g, DataField field, int rows, string file, CancellationToken ct) =>
        ReadTimestampsAsync(g, field, rows, new DateTime?[rows], file, ct);

    /// <summary>Fills <paramref name="result"/> (at least <paramref name="rows"/> long; a pooled buffer) with the column's timestamps, UTC.</summary>
    public static async Task<DateTime?[]> ReadTimestampsAsync(ParquetRowGroupReader g, DataField field, int rows, DateTime?[] result, string file, CancellationToken ct)
    {
        var t = field.ClrType;
        if (t == typeof(DateTime))
        {
            await g.ReadAsync<DateTime>(field, result.AsMemory(0, rows), null, ct);
            // CUR timestamps are UTC whatever the writer flagged.
            for (var i = 0; i < rows; i++) if (result[i] is { } d) result[i] = DateTime.SpecifyKind(d, DateTimeKind.Utc);
        }
        else if (t == typeof(DateTimeOffset))
        {
            var d = new DateTimeOffset?[rows];
            await g.ReadAsync<DateTimeOffset>(field, d.AsMemory(), null, ct);
            for (var i = 0; i < rows; i++) result[i] = d[i]?.UtcDateTime;
        }
        else if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var s = new string?[rows];
            await g.ReadAsync(field, s.AsMemory(), null, ct);
            for (var i = 0; i < rows; i++) result[i] = RowRules.TryParseTimestamp(s[i], out var d) ? d : null;
        }
        else throw WrongType(field, file, "a timestamp");
        return result;
    }

    private static BedrockCostException WrongType(DataField field, string file, string expected) =>
        new(ErrorIds.NotCurData, ErrorKind.InvalidData,
            $"Column '{field.Name}' in '{file}' holds {field.ClrType.Name} values where CUR 2.0 has {expected}: the file does not follow the CUR 2.0 schema.", file);
}

/// <summary>
/// A column chunk the engine's decoder does not read (an encoding or codec it lacks, a number stored as text or
/// decimal), read whole by Parquet.Net and served as the decoder serves its own: slots indexing a value table.
/// Memory follows the chunk, as it always does with Parquet.Net; the slots a chunk may state are checked first.
/// </summary>
internal sealed class ParquetNetColumn : IColumnCursor
{
    /// <summary>More slots than this in one fallback chunk are refused rather than allocated.</summary>
    private const long MaxSlots = 1 << 26;

    private readonly int[] _ids, _def, _rep;
    private int _next;

    private ParquetNetColumn(ValueTable values, int[] ids, int[] def, int[] rep)
    {
        Values = values;
        _ids = ids;
        _def = def;
        _rep = rep;
    }

    public ValueTable Values { get; }

    /// <summary>Reads the chunk of <paramref name="field"/> in row group <paramref name="g"/> (of <paramref name="rows"/> rows) as <paramref name="kind"/>.</summary>
    public static async Task<ParquetNetColumn> ReadAsync(ParquetRowGroupReader g, DataField field, ValueKind kind, int rows, string file, CancellationToken ct)
    {
        var values = new ValueTable(kind);
        if (kind == ValueKind.Text)
        {
            var slots = g.GetMetadata(field)?.MetaData?.NumValues ?? rows;
            if (slots < 0 || slots > MaxSlots || (field.MaxRepetitionLevel == 0 && slots != rows))
                throw new InvalidDataException($"column {field.Path} states {slots} values for {rows} rows");
            var n = (int)slots;
            var text = new ReadOnlyMemory<char>[n];
            var def = new int[n];
            var rep = new int[n];
            await g.ReadRawAsync<ReadOnlyMemory<char>>(field, text, def, rep, ct).ConfigureAwait(false);
            if (field.MaxDefinitionLevel == 0) Array.Clear(def);
            if (field.MaxRepetitionLevel == 0) Array.Clear(rep);
            var ids = new int[n];
            var known = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0, v = 0; i < n; i++)
            {
                if (def[i] != field.MaxDefinitionLevel) { ids[i] = -1; continue; }
                var s = text[v++].ToString();
                if (!known.TryGetValue(s, out var id)) known[s] = id = values.AddText(System.Text.Encoding.UTF8.GetBytes(s));
                ids[i] = id;
            }
            values.SealDictionary();
            return new ParquetNetColumn(values, ids, def, rep);
        }
        // Numbers and timestamps are flat columns: one slot per row.
        var rowIds = new int[rows];
        if (kind == ValueKind.Number)
        {
            var numbers = await ValueColumns.ReadNumbersAsync(g, field, rows, new double?[rows], file, ct).ConfigureAwait(false);
            for (var i = 0; i < rows; i++) rowIds[i] = numbers[i] is { } d ? values.AddNumber(d) : -1;
        }
        else
        {
            var times = await ValueColumns.ReadTimestampsAsync(g, field, rows, file, ct).ConfigureAwait(false);
            for (var i = 0; i < rows; i++) rowIds[i] = times[i] is { } d ? values.AddTicks(d.Ticks) : -1;
        }
        values.SealDictionary();
        return new ParquetNetColumn(values, rowIds, new int[rows], new int[rows]);
    }

    public void Read(int slots, Span<int> ids, Span<int> definition, Span<int> repetition, ReadOnlySpan<bool> want = default)
    {
        if (slots > _ids.Length - _next) throw new InvalidDataException("fewer values than its row group has rows");
        _ids.AsSpan(_next, slots).CopyTo(ids);
        if (!definition.IsEmpty) _def.AsSpan(_next, slots).CopyTo(definition);
        if (!repetition.IsEmpty) _rep.AsSpan(_next, slots).CopyTo(repetition);
        _next += slots;
    }

    public void Skip(long slots)
    {
        if (slots > _ids.Length - _next) throw new InvalidDataException("fewer values than its row group has rows");
        _next += (int)slots;
    }

    public void Finish()
    {
        if (_next != _ids.Length) throw new InvalidDataException("more values than its row group has rows");
    }

    public void Dispose() { }
}
