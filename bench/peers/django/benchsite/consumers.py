"""The chat protocol as a Channels consumer would write it by hand.

ping is answered with pong; new_chat_message goes to the rest of the room
through the channel layer, as in the Channels tutorial.
"""
import json

from channels.generic.websocket import AsyncWebsocketConsumer

PONG = '{"action":"pong","payload":null}'


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room = "room." + self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.room, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            frame = json.loads(text_data)
        except (TypeError, ValueError):
            await self.send(text_data='{"action":"error","payload":{"detail":"Failed to process message"}}')
            return
        action = frame.get("action") if isinstance(frame, dict) else None
        if action == "ping":
            await self.send(text_data=PONG)
        elif action == "new_chat_message":
            await self.channel_layer.group_send(
                self.room,
                {"type": "chat.message", "text": text_data, "sender": self.channel_name},
            )
        else:
            await self.send(text_data=text_data)

    async def chat_message(self, event):
        if event["sender"] != self.channel_name:
            await self.send(text_data=event["text"])
