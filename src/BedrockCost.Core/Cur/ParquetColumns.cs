using System.Buffers;
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

/// <summary>
/// One row group's worth of a flat string column: values are kept as slices of the decoded data and only
/// turned into strings for the rows that matter.
/// </summary>
internal sealed class StringColumn : IDisposable
{
    private ReadOnlyMemory<char>[] _values = Array.Empty<ReadOnlyMemory<char>>();
    private int[] _index = Array.Empty<int>();

    public static async Task<StringColumn?> ReadAsync(ParquetRowGroupReader g, DataField? field, int rows, CancellationToken ct)
    {
        if (field is null) return null;
        var col = new StringColumn
        {
            _values = CurArrays<ReadOnlyMemory<char>>.Pool.Rent(rows),
            _index = CurArrays<int>.Pool.Rent(rows),
        };
        if (field.MaxDefinitionLevel == 0)
        {
            await g.ReadRawAsync<ReadOnlyMemory<char>>(field, col._values.AsMemory(0, rows), null, null, ct);
            for (var i = 0; i < rows; i++) col._index[i] = i;
            return col;
        }
        var defs = CurArrays<int>.Pool.Rent(rows);
        try
        {
            await g.ReadRawAsync<ReadOnlyMemory<char>>(field, col._values.AsMemory(0, rows), defs.AsMemory(0, rows), null, ct);
            var max = field.MaxDefinitionLevel;
            for (int i = 0, v = 0; i < rows; i++) col._index[i] = defs[i] == max ? v++ : -1;
        }
        finally { CurArrays<int>.Pool.Return(defs); }
        return col;
    }

    public ReadOnlySpan<char> Span(int row) => _index[row] < 0 ? ReadOnlySpan<char>.Empty : _values[_index[row]].Span;
    public bool IsNullOrEmpty(int row) => _index[row] < 0 || _values[_index[row]].Length == 0;
    public string? Get(int row, StringPool pool) => _index[row] < 0 ? null : pool.Get(_values[_index[row]]);

    public void Dispose()
    {
        if (_values.Length > 0) CurArrays<ReadOnlyMemory<char>>.Pool.Return(_values, clearArray: true);
        if (_index.Length > 0) CurArrays<int>.Pool.Return(_index);
        _values = Array.Empty<ReadOnlyMemory<char>>();
        _index = Array.Empty<int>();
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
/// A Parquet MAP&lt;string,string&gt; column (product, tags) of one row group, read for a few keys only.
/// Null maps and empty maps both mean "no entries".
/// </summary>
internal static class MapColumn
{
    /// <summary>For each row, the values of <paramref name="keys"/> (null where absent); only rows in <paramref name="wanted"/> are filled.</summary>
    /// <remarks><paramref name="result"/> is a cleared buffer at least <paramref name="rows"/> long.</remarks>
    public static async Task<string?[]?[]> ReadAsync(ParquetRowGroupReader g, DataField keyField, DataField valueField, int rows,
        IReadOnlyList<string> keys, RowRules.Verdict[] wanted, string?[]?[] result, StringPool pool, CancellationToken ct)
    {
        var slots = (int)(g.GetMetadata(keyField)?.MetaData?.NumValues ?? rows);
        var kVals = CurArrays<ReadOnlyMemory<char>>.Pool.Rent(slots);
        var vVals = CurArrays<ReadOnlyMemory<char>>.Pool.Rent(slots);
        var kDef = CurArrays<int>.Pool.Rent(slots);
        var kRep = CurArrays<int>.Pool.Rent(slots);
        var vDef = CurArrays<int>.Pool.Rent(slots);
        var vRep = CurArrays<int>.Pool.Rent(slots);
        try
        {
            await g.ReadRawAsync<ReadOnlyMemory<char>>(keyField, kVals.AsMemory(0, slots), kDef.AsMemory(0, slots), kRep.AsMemory(0, slots), ct);
            await g.ReadRawAsync<ReadOnlyMemory<char>>(valueField, vVals.AsMemory(0, slots), vDef.AsMemory(0, slots), vRep.AsMemory(0, slots), ct);
            int row = -1, k = 0, v = 0;
            for (var s = 0; s < slots; s++)
            {
                if (kRep[s] == 0) row++;
                if (row >= rows) break;
                var hasKey = kDef[s] == keyField.MaxDefinitionLevel;
                var hasValue = vDef[s] == valueField.MaxDefinitionLevel;
                if (hasKey && wanted[row] != RowRules.Verdict.No)
                {
                    var key = kVals[k].Span;
                    for (var i = 0; i < keys.Count; i++)
                    {
                        if (!key.SequenceEqual(keys[i])) continue;
                        (result[row] ??= new string?[keys.Count])[i] = hasValue ? pool.Get(vVals[v]) : null;
                        break;
                    }
                }
                if (hasKey) k++;
                if (hasValue) v++;
            }
        }
        finally
        {
            CurArrays<ReadOnlyMemory<char>>.Pool.Return(kVals, true);
            CurArrays<ReadOnlyMemory<char>>.Pool.Return(vVals, true);
            CurArrays<int>.Pool.Return(kDef); CurArrays<int>.Pool.Return(kRep);
            CurArrays<int>.Pool.Return(vDef); CurArrays<int>.Pool.Return(vRep);
        }
        return result;
    }

    /// <summary>Adds every key present in the row group's map column to <paramref name="keys"/>.</summary>
    public static async Task AddKeysAsync(ParquetRowGroupReader g, DataField keyField, ISet<string> keys, CancellationToken ct)
    {
        var slots = (int)(g.GetMetadata(keyField)?.MetaData?.NumValues ?? g.RowCount);
        var values = CurArrays<ReadOnlyMemory<char>>.Pool.Rent(slots);
        var def = CurArrays<int>.Pool.Rent(slots);
        var rep = CurArrays<int>.Pool.Rent(slots);
        try
        {
            await g.ReadRawAsync<ReadOnlyMemory<char>>(keyField, values.AsMemory(0, slots), def.AsMemory(0, slots), rep.AsMemory(0, slots), ct);
            // Values are dense: one per slot whose definition level is the maximum.
            var present = 0;
            for (var s = 0; s < slots; s++) if (def[s] == keyField.MaxDefinitionLevel) present++;
            for (var k = 0; k < present; k++) if (values[k].Length > 0) keys.Add(values[k].ToString());
        }
        finally
        {
            CurArrays<ReadOnlyMemory<char>>.Pool.Return(values, true);
            CurArrays<int>.Pool.Return(def);
            CurArrays<int>.Pool.Return(rep);
        }
    }
}

/// <summary>
/// The readers' own array pool. Row-group buffers are large (100,000+ slots), and each worker holds a dozen at
/// once; the shared pool keeps only a few arrays of a size, so the rest would be new large-object-heap
/// allocations for every row group, and the heap would grow with the number of rows read. This pool keeps
/// enough of them to reuse, which bounds memory by the row-group size and the number of workers.
/// </summary>
internal static class CurArrays<T>
{
    public static readonly ArrayPool<T> Pool = ArrayPool<T>.Create(maxArrayLength: 1 << 24, maxArraysPerBucket: 32);
}
