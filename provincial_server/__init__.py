"""The reference provincial server: receives sealed batches from devices, answers per record, feeds decisions back."""
