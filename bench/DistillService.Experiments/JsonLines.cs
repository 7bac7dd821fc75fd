using System.Text.Json;

namespace DistillService.Experiments;

/// <summary>Results go to stdout as one JSON object per line, so a run can be piped into jq or a notebook.</summary>
internal static class JsonLines
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static void Write(object record)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(record, record.GetType(), Options));
        Console.Out.Flush();
    }
}
