using DistillService.Core.Jobs.Pipelines;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Specs;

public sealed class CacheDefaultsTests
{
    [Fact]
    public void ATopKCacheLeftOutIsTopTwoQ8AtHalfSizeWithTheExactArgmax() =>
        Assert.Equal(new CacheSpec(2, CachePrecisions.Q8, 2, CacheForms.TopK, ExactArgmax: true),
            CacheDefaults.Resolve(null, null, null, null, null));

    [Fact]
    public void ALogitsCacheLeftOutIsFp16AtFullSize() =>
        Assert.Equal(new CacheSpec(2, CachePrecisions.Fp16, 1, CacheForms.Logits, ExactArgmax: false),
            CacheDefaults.Resolve(CacheForms.Logits, null, null, null, null));

    [Theory]
    [InlineData(1, null)] // one kept class: no exact argmax
    [InlineData(null, 1)] // full size: the top-1 class is the argmax already
    public void TheExactArgmaxIsLeftOffWhereItCannotApply(int? topK, int? scale) =>
        Assert.False(CacheDefaults.Resolve(null, topK, null, scale, null).ExactArgmax);

    [Fact]
    public void WhatTheRequestSaysIsKept() =>
        Assert.Equal(new CacheSpec(4, CachePrecisions.Fp16, 1, CacheForms.TopK, ExactArgmax: false),
            CacheDefaults.Resolve(CacheForms.TopK, 4, CachePrecisions.Fp16, 1, false));

    [Fact]
    public void APipelineStoresItsCacheWithEveryDefaultSpelledOut()
    {
        var plan = PipelinePlan.Create(new PipelineRequest());

        Assert.Equal(new PipelineCacheStage(2, CachePrecisions.Q8, 2, CacheForms.TopK, true), plan.Request.Cache);
        Assert.Equal(plan.Cache, plan.CacheSpec(Guid.NewGuid(), numClasses: 7).ToCacheSpec());
    }

    [Fact]
    public void APipelineWhoseStudentNeedsLogitsGetsTheLogitsDefaults()
    {
        var plan = PipelinePlan.Create(new PipelineRequest(Student: new PipelineStudentStage(
            Distillation: PipelineDefaults.For("cwd", DistillationModes.Offline))));

        Assert.Equal(new CacheSpec(2, CachePrecisions.Fp16, 1, CacheForms.Logits, ExactArgmax: false), plan.Cache);
        Assert.Equal(7, plan.CacheSpec(Guid.NewGuid(), numClasses: 7).TopK);
    }
}
