using System.Text;
using Encoding = System.Text.Encoding;

namespace BedrockCost.Core.Cur.Decoding;

/// <summary>
/// A MAP&lt;string,string&gt; column (product, tags) read a window of rows at a time, for a few keys only: its key and
/// value leaves are read slot by slot in step (their repetition levels must agree), rows are cut at repetition level
/// 0, and a row gets the values of the keys asked for. Slots read beyond the window wait for the next one. Null maps,
/// empty maps and absent keys all give no value.
/// </summary>
internal sealed class MapReader
{
    private const int Batch = 4096;

    private IColumnCursor _keys = null!, _values = null!;
    private int _keyMax, _valueMax;
    private byte[][] _wanted = Array.Empty<byte[]>();
    private IReadOnlyList<string>? _wantedKeys;
    private StringPool _pool = null!;
    private long _slotsLeft;
    // Slots read and not yet given to a row: repetition level, wanted key index (-1: none), value index (-1: null).
    // Value indexes stay valid until the next batch is read, which happens only once these are all given out.
    private readonly int[] _rep = new int[Batch], _match = new int[Batch], _value = new int[Batch];
    private int _start, _end;
    // Scratch for one batch of both leaves.
    private readonly bool[] _matched = new bool[Batch];
    private readonly int[] _keyIds = new int[Batch], _keyDef = new int[Batch], _valueIds = new int[Batch], _valueDef = new int[Batch], _valueRep = new int[Batch];
    private sbyte[] _keyCache = Array.Empty<sbyte>();
    private int _keyGeneration = -1;

    /// <summary>Starts reading a row group's map from its key and value leaves (which the caller owns); the buffers are kept.</summary>
    public void Reset(IColumnCursor keys, IColumnCursor values, int keyMaxDefinition, int valueMaxDefinition, long keySlots, long valueSlots,
        IReadOnlyList<string> wanted, StringPool pool)
    {
        if (keySlots != valueSlots || keySlots < 0) throw new InvalidDataException($"a map's keys ({keySlots}) and values ({valueSlots}) differ in number");
        _keys = keys;
        _values = values;
        _keyMax = keyMaxDefinition;
        _valueMax = valueMaxDefinition;
        _slotsLeft = keySlots;
        if (!ReferenceEquals(wanted, _wantedKeys))
        {
            _wanted = wanted.Select(Encoding.UTF8.GetBytes).ToArray();
            _wantedKeys = wanted;
        }
        _pool = pool;
        _start = _end = 0;
        _keyGeneration = -1;
    }

    /// <summary>
    /// The next <paramref name="rows"/> rows: for the rows where <paramref name="want"/>[r], <paramref name="values"/>[r * K + k]
    /// is set to the value of wanted key k (null when the row has none), K being the number of keys asked for; other
    /// rows are passed over and their part of <paramref name="values"/> left as it was.
    /// </summary>
    public void Read(int rows, ReadOnlySpan<bool> want, Span<string?> values)
    {
        var width = _wanted.Length;
        for (var r = 0; r < rows; r++)
        {
            var row = want[r] ? values.Slice(r * width, width) : default;
            row.Clear();
            var first = true;
            while (true)
            {
                if (_start == _end && !Fill()) { if (first) throw Short(); break; }
                if (_rep[_start] == 0 && !first) break;
                if (first && _rep[_start] != 0) throw new InvalidDataException("a map row does not start at repetition level 0");
                first = false;
                if (!row.IsEmpty && _match[_start] is var m and >= 0 && _value[_start] is var v and >= 0) row[m] = _values.Values.String(v, _pool);
                _start++;
            }
        }
    }

    /// <summary>Passes over the next <paramref name="rows"/> rows.</summary>
    public void Skip(int rows)
    {
        for (var r = 0; r < rows; r++)
        {
            var first = true;
            while (true)
            {
                if (_start == _end && !Fill()) { if (first) throw Short(); break; }
                if (_rep[_start] == 0 && !first) break;
                first = false;
                _start++;
            }
        }
    }

    /// <summary>After the last row: nothing may be left.</summary>
    public void Finish()
    {
        if (_start != _end || _slotsLeft != 0) throw new InvalidDataException("a map column holds more entries than its row group's rows");
        _keys.Finish();
        _values.Finish();
    }

    private static InvalidDataException Short() => new("a map column holds fewer rows than its row group");

    /// <summary>Reads the next batch of slots of both leaves; false at the end of the chunk.</summary>
    private bool Fill()
    {
        if (_slotsLeft == 0) return false;
        var n = (int)Math.Min(Batch, _slotsLeft);
        _keys.Values.EndWindow();
        _values.Values.EndWindow();
        _keys.Read(n, _keyIds, _keyDef, _rep);
        var keys = _keys.Values;
        if (keys.Generation != _keyGeneration || _keyCache.Length < keys.DictionaryCount)
        {
            _keyGeneration = keys.Generation;
            _keyCache = new sbyte[Math.Max(16, keys.DictionaryCount)];
        }
        for (var i = 0; i < n; i++)
        {
            var id = _keyIds[i];
            var m = -1;
            if (_keyDef[i] == _keyMax && id >= 0)
            {
                if (id < keys.DictionaryCount)
                {
                    var c = _keyCache[id];
                    if (c == 0) _keyCache[id] = c = (sbyte)(Match(keys.Text(id)) + 2);
                    m = c - 2;
                }
                else m = Match(keys.Text(id));
            }
            _match[i] = m;
            _matched[i] = m >= 0;
        }
        // Values only for the entries of the keys asked for.
        _values.Read(n, _valueIds, _valueDef, _valueRep, _matched.AsSpan(0, n));
        if (!_rep.AsSpan(0, n).SequenceEqual(_valueRep.AsSpan(0, n))) throw new InvalidDataException("a map's keys and values disagree on its rows");
        for (var i = 0; i < n; i++) _value[i] = _match[i] >= 0 && _valueDef[i] == _valueMax ? _valueIds[i] : -1;
        _start = 0;
        _end = n;
        _slotsLeft -= n;
        return true;
    }

    private int Match(ReadOnlySpan<byte> key)
    {
        for (var k = 0; k < _wanted.Length; k++)
            if (key.SequenceEqual(_wanted[k])) return k;
        return -1;
    }
}
