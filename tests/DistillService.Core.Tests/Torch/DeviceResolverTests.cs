using DistillService.Core.Tests.Support;
using DistillService.Core.Torch;
using TorchSharp;

namespace DistillService.Core.Tests.Torch;

public sealed class DeviceResolverTests
{
    public DeviceResolverTests() => TorchTestSetup.Ensure();

    [Theory]
    [InlineData("auto")]
    [InlineData("cpu")]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    [InlineData("cuda:12")]
    public void AcceptsDocumentedDeviceStrings(string device) => Assert.True(DeviceResolver.IsValid(device));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("gpu")]
    [InlineData("CPU")]
    [InlineData(" cpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:+1")]
    [InlineData("cuda:x")]
    [InlineData("cuda:123")]
    public void RejectsAnythingElse(string? device)
    {
        Assert.False(DeviceResolver.IsValid(device));
        var error = Assert.Throws<ArgumentException>(() => DeviceResolver.Resolve(device));
        Assert.Contains("cuda:<index>", error.Message);
    }

    [Fact]
    public void CpuResolvesToCpu() => Assert.Equal(DeviceType.CPU, DeviceResolver.Resolve("cpu").type);

    [Fact]
    public void AutoPicksCudaOnlyWhenAvailable()
    {
        var expected = DeviceResolver.CudaAvailable ? DeviceType.CUDA : DeviceType.CPU;
        Assert.Equal(expected, DeviceResolver.Resolve("auto").type);
    }

    [Fact]
    public void CudaWithoutAGpuIsAClearError()
    {
        if (DeviceResolver.CudaAvailable) return; // Only meaningful on CPU-only hosts.
        var error = Assert.Throws<InvalidOperationException>(() => DeviceResolver.Resolve("cuda:0"));
        Assert.Contains("not available", error.Message);
    }
}
