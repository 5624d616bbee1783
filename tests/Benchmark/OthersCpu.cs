using System.Globalization;

namespace BedrockCost.Benchmark;

/// <summary>
/// How much of the machine's processor time went to processes other than the benchmark's while a phase ran: the
/// machine's busy time (/proc/stat) less the benchmark's own (its process, its children it has waited for, and any
/// helper still running such as s3rver). A load average cannot tell the two apart (the benchmark's own work raises it);
/// this can. Linux only; elsewhere the share is NaN (unknown).
/// </summary>
internal static class OthersCpu
{
    /// <summary>Figures taken while others used more than this share of the machine are not representative.</summary>
    public const double Quiet = 0.10;

    public readonly record struct Mark(long MachineBusy, long MachineTotal, long Own);

    /// <summary>Now, counting <paramref name="helpers"/> (running processes of the benchmark) as its own.</summary>
    public static Mark Take(params int[] helpers)
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
            var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu.Length > 7 ? cpu[7] : 0);
            var total = busy + cpu[3] + cpu[4];
            var own = Times("self") + helpers.Sum(p => Times(p.ToString(CultureInfo.InvariantCulture)));
            return new Mark(busy, total, own);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return new Mark(-1, -1, -1);
        }
    }

    /// <summary>Others' share of the machine between two marks, 0 to 1 (NaN when unknown).</summary>
    public static double Share(Mark from, Mark to)
    {
        if (from.MachineTotal < 0 || to.MachineTotal < 0 || to.MachineTotal <= from.MachineTotal) return double.NaN;
        var others = (to.MachineBusy - from.MachineBusy) - (to.Own - from.Own);
        return Math.Clamp((double)others / (to.MachineTotal - from.MachineTotal), 0, 1);
    }

    /// <summary>utime + stime + cutime + cstime of a process, in clock ticks (the unit /proc/stat uses).</summary>
    private static long Times(string pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name in brackets may hold spaces: fields are counted after its closing bracket.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
    }

    public static string Show(double share) => double.IsNaN(share) ? "?" : (100 * share).ToString("F0", CultureInfo.InvariantCulture) + "%";
}
