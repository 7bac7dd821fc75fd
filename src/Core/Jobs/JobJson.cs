using System.Text.Json;

namespace DistillService.Core.Jobs;

/// <summary>The JSON settings of stored job specifications: the same camelCase as the public API.</summary>
public static class JobJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
