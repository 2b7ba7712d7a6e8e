"""The error handler's pure logic: reading failures, classifying them, writing alerts."""
