using System.Globalization;

namespace BrokerGateway.Bench.Uplink;

/// <summary>CPU time of processes as Linux keeps it in <c>/proc/&lt;pid&gt;/stat</c> (proc(5)): where a run's cycles went.</summary>
public static class ProcCpu
{
    /// <summary>Ticks per second of utime/stime: USER_HZ, 100 on every Linux this runs on.</summary>
    const double TicksPerSecond = 100;

    /// <summary>User plus system CPU seconds of <paramref name="pid"/> so far; NaN when it cannot be read.</summary>
    public static double Seconds(int pid)
    {
        try
        {
            // The command name may hold spaces: split after its closing parenthesis. utime and stime are
            // fields 14 and 15, that is 12th and 13th after the name.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    /// <summary>The process running <paramref name="binary"/> with <paramref name="port"/> among its arguments, or null.</summary>
    public static int? Find(string binary, int port)
    {
        var portText = port.ToString(CultureInfo.InvariantCulture);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // redis-server rewrites its title to "redis-server 127.0.0.1:<port>": split on spaces and colons too.
                var words = File.ReadAllText(Path.Combine(dir, "cmdline")).Split(['\0', ' ', ':'], StringSplitOptions.RemoveEmptyEntries);
                if (words.Length > 0 && Path.GetFileName(words[0]) == binary && words.Contains(portText)) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }
        return null;
    }
}
