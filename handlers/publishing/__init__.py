"""The metrics publisher's pure logic and its S3 artifact loading."""
