using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats.Tests.Unit;

public class SubjectTests
{
    [Theory]
    [InlineData("foo")]
    [InlineData("foo.bar.baz")]
    [InlineData("_INBOX.abc.1")]
    [InlineData("a*b.c>d")]
    [InlineData("grüße.welt")]
    public void ValidPublishSubjects_AreAccepted(string subject)
    {
        Subjects.ValidatePublish(subject);
        Subjects.ValidateSubscribe(subject);
    }

    [Theory]
    [InlineData("foo.*")]
    [InlineData("foo.>")]
    [InlineData("*.bar")]
    [InlineData(">")]
    public void Wildcards_AreAcceptedForSubscribe_ButNotForPublish(string subject)
    {
        Subjects.ValidateSubscribe(subject);
        var error = Assert.Throws<NatsSubjectException>(() => Subjects.ValidatePublish(subject));
        Assert.Contains("wildcards", error.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("foo bar", "whitespace")]
    [InlineData("foo\tbar", "whitespace")]
    [InlineData("foo\r\nPUB x 1", "whitespace")]
    [InlineData("foo\n", "whitespace")]
    [InlineData(".foo", "empty token")]
    [InlineData("foo.", "empty token")]
    [InlineData("foo..bar", "empty token")]
    [InlineData("foo.>.bar", "last token")]
    public void InvalidSubjects_AreRejectedWithTheReason(string subject, string reason)
    {
        var error = Assert.Throws<NatsSubjectException>(() => Subjects.ValidateSubscribe(subject));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void OverlongSubjects_AreRejected()
    {
        Assert.Throws<NatsSubjectException>(() => Subjects.ValidatePublish(new string('a', Subjects.MaxBytes + 1)));
        Subjects.ValidatePublish(new string('a', Subjects.MaxBytes));
    }

    [Theory]
    [InlineData("")]
    [InlineData("my group")]
    [InlineData("q\r\n")]
    public void InvalidQueueGroups_AreRejected(string queue)
    {
        var error = Assert.Throws<NatsSubjectException>(() => Subjects.ValidateQueueGroup(queue));
        Assert.Contains("queue group", error.Message);
    }

    [Theory]
    [InlineData("foo.*", true)]
    [InlineData("foo.>", true)]
    [InlineData("foo.a*", false)]
    [InlineData("foo", false)]
    public void Wildcard_IsAWholeToken(string subject, bool expected)
    {
        Assert.Equal(expected, Subjects.HasWildcard(subject));
    }
}
