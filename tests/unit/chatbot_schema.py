"""The AWS Chatbot (Amazon Q Developer in chat applications) custom-notification schema, from
its admin guide ("Custom notifications": event schema and parameter details), for tests."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Content(_Strict):
    text_type: Literal["client-markdown"] | None = Field(default=None, alias="textType")
    title: str | None = None
    description: str | None = None
    next_steps: list[str] = Field(default_factory=list, alias="nextSteps")
    keywords: list[str] = Field(default_factory=list)


class Metadata(_Strict):
    thread_id: str | None = Field(default=None, alias="threadId")
    summary: str | None = None
    event_type: str | None = Field(default=None, alias="eventType")
    related_resources: list[str] = Field(default_factory=list, alias="relatedResources")
    additional_context: dict[str, str] = Field(default_factory=dict, alias="additionalContext")


class ChatbotNotification(_Strict):
    version: Literal["1.0"]
    source: Literal["custom"]
    id: str | None = None
    content: Content
    metadata: Metadata | None = None
