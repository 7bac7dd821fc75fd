namespace DistillService.Core.Data.Layouts;

/// <summary>
/// A layout's raw mask value → class id table (255 = ignore). Raw values the layout does not define
/// are invalid, so a mask with a stray value is reported instead of silently training on it.
/// </summary>
public sealed class LabelMap
{
    private const short Invalid = -1;
    private readonly short[] table;

    private LabelMap(short[] table) => this.table = table;

    /// <summary>Values 0…K−1 are classes, 255 is ignore, <paramref name="alsoIgnored"/> (e.g. CamVid's 11) becomes 255.</summary>
    public static LabelMap Identity(int numClasses, int? alsoIgnored = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numClasses, Labels.Ignore);
        var table = NewTable();
        for (var v = 0; v < numClasses; v++) table[v] = (short)v;
        if (alsoIgnored is { } ignored) table[ignored] = Labels.Ignore;
        return new LabelMap(table);
    }

    /// <summary>Explicit pairs raw → class id (or 255); 255 itself always means ignore.</summary>
    public static LabelMap FromPairs(IEnumerable<(int Raw, int ClassId)> pairs)
    {
        var table = NewTable();
        foreach (var (raw, classId) in pairs) table[raw] = (short)classId;
        return new LabelMap(table);
    }

    public bool IsValid(byte raw) => table[raw] != Invalid;

    /// <summary>The class id of a valid raw value.</summary>
    public byte this[byte raw] => table[raw] == Invalid
        ? throw new ArgumentException($"{raw} is not a label of this layout.", nameof(raw))
        : (byte)table[raw];

    /// <summary>Maps in place; returns false (and leaves the buffer partly mapped) at the first invalid value.</summary>
    public bool TryApply(Span<byte> values, out byte invalidRaw)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var mapped = table[values[i]];
            if (mapped == Invalid)
            {
                invalidRaw = values[i];
                return false;
            }
            values[i] = (byte)mapped;
        }
        invalidRaw = 0;
        return true;
    }

    /// <summary>A short human description of the valid raw values, for error messages.</summary>
    public string Describe()
    {
        var valid = Enumerable.Range(0, 256).Where(v => table[v] != Invalid).ToArray();
        var ranges = new List<string>();
        for (var i = 0; i < valid.Length;)
        {
            var j = i;
            while (j + 1 < valid.Length && valid[j + 1] == valid[j] + 1) j++;
            ranges.Add(i == j ? $"{valid[i]}" : $"{valid[i]}–{valid[j]}");
            i = j + 1;
        }
        return string.Join(", ", ranges);
    }

    private static short[] NewTable()
    {
        var table = new short[256];
        Array.Fill(table, Invalid);
        table[Labels.Ignore] = Labels.Ignore;
        return table;
    }
}
