namespace BitNet.Runtime.Threading;

/// <summary>How many physical cores the process may use.</summary>
public static class CpuTopology
{
    private static readonly Lazy<int> s_physicalCores = new(CountPhysicalCores);

    /// <summary>Physical cores (SMT siblings counted once), at most the processors this process may run on.</summary>
    public static int PhysicalCores => s_physicalCores.Value;

    private static int CountPhysicalCores()
    {
        var logical = Environment.ProcessorCount;
        try
        {
            // Linux: distinct thread_siblings_list entries are distinct cores.
            const string root = "/sys/devices/system/cpu";
            if (!Directory.Exists(root)) return logical;
            var cores = new HashSet<string>(StringComparer.Ordinal);
            foreach (var dir in Directory.EnumerateDirectories(root, "cpu*"))
            {
                var siblings = Path.Combine(dir, "topology", "thread_siblings_list");
                if (File.Exists(siblings)) cores.Add(File.ReadAllText(siblings).Trim());
            }
            return cores.Count == 0 ? logical : Math.Clamp(cores.Count, 1, logical);
        }
        catch (IOException)
        {
            return logical;
        }
        catch (UnauthorizedAccessException)
        {
            return logical;
        }
    }
}
