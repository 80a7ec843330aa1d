"""One Streamlit page per module; ``common`` holds what they share."""
